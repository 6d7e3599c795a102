# The version's source-run column takes the domain's name (issue 10: MLflow's `run_id` stays in mlflow_api).
# The column rename is a catalogue change in PostgreSQL (no rewrite); the index is dropped and rebuilt under its new
# name, which is cheap: a registry holds versions by the thousand, not runs by the million (not a large table in
# tests/test_migrations.py). Portable operations only, so scripts/import-sqlite can bring an old SQLite copy here.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("model_registry", "0002_version_package"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="modelversion", name="model_version_run_id"),
        migrations.RenameField(model_name="modelversion", old_name="run_id", new_name="candidate_eid_hex"),
        migrations.AddIndex(
            model_name="modelversion",
            index=models.Index(fields=["candidate_eid_hex"], name="model_version_candidate_eid"),
        ),
    ]
