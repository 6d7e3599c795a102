# A metric point (name, step, timestamp, value) is stored once per candidate, as in MLflow: duplicates already
# stored are removed (the oldest row is kept), then the unique index replaces the covering history index.

from django.db import migrations, models

DEDUPE = """
DELETE FROM candidates_candidatemetric WHERE id IN (
    SELECT id FROM (
        SELECT id, row_number() OVER (
            PARTITION BY candidate_id, name, step, "timestamp", value ORDER BY id
        ) AS n FROM candidates_candidatemetric
    ) ranked WHERE n > 1
)
"""


class Migration(migrations.Migration):

    dependencies = [
        ("candidates", "0003_metric_history_no_fk_trigger"),
    ]

    operations = [
        migrations.RunSQL(DEDUPE, migrations.RunSQL.noop),
        migrations.RemoveIndex(model_name="candidatemetric", name="candidate_metric_history"),
        migrations.AddConstraint(
            model_name="candidatemetric",
            constraint=models.UniqueConstraint(
                fields=("candidate", "name", "step", "timestamp", "value"), name="candidate_metric_point"
            ),
        ),
    ]
