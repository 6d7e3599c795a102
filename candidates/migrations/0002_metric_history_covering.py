# The history index also carries value and timestamp, so history reads (get-history, charts) are index-only
# scans on PostgreSQL. INCLUDE is ignored on SQLite.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="candidatemetric",
            name="candidate_metric_history",
        ),
        migrations.AddIndex(
            model_name="candidatemetric",
            index=models.Index(
                fields=["candidate", "name", "step"],
                include=("value", "timestamp"),
                name="candidate_metric_history",
            ),
        ),
    ]
