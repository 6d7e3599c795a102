"""Rollup blocks for the metric histories logged before 0010, set-based, on installs whose history is small.

A large history (more than BACKFILL_LIMIT_BYTES of heap, about a million points) is left to
`manage.py metric_rollup_rebuild`, which works online, a few candidates per transaction: `migrate` stays short, and
until a series has its blocks the charts read it exactly, as before (candidates/metrics/charts.py checks that the
blocks cover the series' first and last step). On an empty table this is one statement that reads nothing."""

from django.db import migrations

BACKFILL_LIMIT_BYTES = 100 * 1024 * 1024

# The SQL of candidates.metrics.services.rollup_sql as of this migration (levels 5, 8, 11, 14), frozen here.
BACKFILL = """
WITH rollup_fine AS (
    SELECT candidate_id, name, step >> 5 AS block, min(value) AS vmin, max(value) AS vmax, min(step) AS smin,
           max(step) AS smax, min("timestamp") AS tmin, max("timestamp") AS tmax, count(*) AS n
    FROM candidates_candidatemetric GROUP BY candidate_id, name, block
)
INSERT INTO candidates_candidatemetricrollup (candidate_id, name, shift, block, vmin, vmax, smin, smax, tmin, tmax, n)
SELECT candidate_id, name, 5, block, vmin, vmax, smin, smax, tmin, tmax, n FROM rollup_fine
UNION ALL
SELECT f.candidate_id, f.name, z.shift, f.block >> (z.shift - 5), min(f.vmin), max(f.vmax), min(f.smin),
       max(f.smax), min(f.tmin), max(f.tmax), sum(f.n)::bigint
FROM rollup_fine f CROSS JOIN (VALUES (8), (11), (14)) AS z(shift) GROUP BY 1, 2, 3, 4
"""


def backfill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size('candidates_candidatemetric')")
        size = cursor.fetchone()[0]
        if size > BACKFILL_LIMIT_BYTES:
            print(
                f"\n  candidates.0011: the metric history holds {size // 2**20} MB; its rollup is left to"
                " `manage.py metric_rollup_rebuild` (online; charts read it exactly until then)."
            )
            return
        cursor.execute(BACKFILL)


def remove(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DELETE FROM candidates_candidatemetricrollup")


class Migration(migrations.Migration):

    dependencies = [
        ("candidates", "0010_metric_rollup"),
    ]

    # postgres_only: scripts/import-sqlite migrates its legacy SQLite copy too; its router skips this there (the
    # rows it copies over get their rollup from metric_rollup_rebuild afterwards).
    operations = [migrations.RunPython(backfill, remove, hints={"postgres_only": True})]
