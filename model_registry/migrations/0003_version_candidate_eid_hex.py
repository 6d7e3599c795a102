# The version's source-run column takes the domain's name (issue 10: MLflow's `run_id` stays in mlflow_api).
# Both renames are catalogue changes in PostgreSQL: no rewrite, no index rebuilt. (RenameField leaves the index's
# field list in the migration state as it was, so the state is told separately.)

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("model_registry", "0002_version_package"),
    ]

    operations = [
        migrations.RenameField(model_name="modelversion", old_name="run_id", new_name="candidate_eid_hex"),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER INDEX model_version_run_id RENAME TO model_version_candidate_eid",
                    "ALTER INDEX model_version_candidate_eid RENAME TO model_version_run_id",
                )
            ],
            state_operations=[
                migrations.RemoveIndex(model_name="modelversion", name="model_version_run_id"),
                migrations.AddIndex(
                    model_name="modelversion",
                    index=models.Index(fields=["candidate_eid_hex"], name="model_version_candidate_eid"),
                ),
            ],
        ),
    ]
