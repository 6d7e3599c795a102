"""Metric history writes: history rows and the latest value per name, kept by MLflow's rule in the database.

Depends only on the candidate models, experiments (lifecycle) and projects; candidates.services calls it, nothing
here calls back up (the import-linter contract "metric history" checks it).
"""

import functools
import math
from collections.abc import Sequence

from django.db import connection, transaction

from experiments.models import Lifecycle
from projects.db import hot_cursor

from ..models import ROLLUP_SHIFTS, CandidateLatestMetric, CandidateMetric, CandidateMetricRollup


def _sort_value(value: float) -> float:
    # MLflow stores NaN as 0 (with an is_nan flag) and compares that 0 when choosing the latest value.
    return 0.0 if math.isnan(value) else value


def _columns(model, names: Sequence[str]) -> str:
    qn = connection.ops.quote_name
    return ", ".join(qn(model._meta.get_field(n).column) for n in names)


def _rows_source(candidate_id: int | None, rows: Sequence[tuple[str, float, int, int]]) -> tuple[str, list]:
    """A row source for INSERT: one `unnest` of four arrays (a handful of bound parameters however many rows, so
    the driver does not parse thousands of placeholders).

    candidate_id None: the id comes from a CTE `c(id, lifecycle)`, rows only if it is active."""
    # Binary parameters (%b, hot_cursor's server-side binding): no text formatting of 1,000-element arrays.
    unnest = "unnest(%b::varchar[], %b::float8[], %b::bigint[], %b::bigint[]) AS u(n, v, s, t)"
    names, values, steps, timestamps = [], [], [], []
    for name, value, timestamp, step in rows:
        names.append(name)
        values.append(value)
        steps.append(step)
        timestamps.append(timestamp)
    if candidate_id is None:
        sql = f"SELECT c.id, u.n, u.v, u.s, u.t FROM c, {unnest} WHERE c.lifecycle = %s"
        return sql, [names, values, steps, timestamps, Lifecycle.ACTIVE.value]
    return f"SELECT %s, u.n, u.v, u.s, u.t FROM {unnest}", [candidate_id, names, values, steps, timestamps]


PG_CHUNK = 10_000  # rows per INSERT (unnest: 5 bound parameters per statement whatever the size)


def _chunks(rows: Sequence):
    for start in range(0, len(rows), PG_CHUNK):
        yield rows[start : start + PG_CHUNK]


_METRIC_COLUMNS = ["candidate", "name", "value", "step", "timestamp"]


def _metrics_insert(candidate_id: int, metrics: Sequence[tuple[str, float, int, int]]) -> None:
    """History rows and their rollup blocks, one statement per chunk (no model instances: this is the hot path)."""
    fine, rollup = rollup_sql("history")
    with hot_cursor() as cursor:
        for chunk in _chunks(metrics):
            source, params = _rows_source(candidate_id, chunk)
            history = f"{_metrics_insert_sql()}{source}{_SAME_POINT_ONCE}{_INSERTED}"
            cursor.execute(f"WITH history AS ({history}), rollup_fine AS ({fine}) {rollup}", params)


# A point already stored (same name, step, timestamp and value) is not stored again, as in MLflow.
_SAME_POINT_ONCE = " ON CONFLICT DO NOTHING"
# What the history insert really stored (a point already there is not returned): the rollup counts only these.
_INSERTED = ' RETURNING candidate_id, name, value, step, "timestamp"'


@functools.cache  # a pure function of its argument and the schema: built once per process, not per write
def rollup_sql(source: str) -> tuple[str, str]:
    """The rollup blocks of the rows in `source` (a relation with candidate_id, name, value, step, timestamp),
    merged into CandidateMetricRollup at every level: `(rollup_fine, insert)`, a CTE body to name `rollup_fine`
    and the INSERT that reads it.

    The finest level is aggregated from the rows, the coarser ones from it (a few rows per level, whatever the
    batch). ON CONFLICT merges with LEAST/GREATEST (PostgreSQL's float8 order, NaN above +inf, as min()/max())
    and adds the counts, under the row lock, so concurrent writers to one block both count. Rows go in key order,
    so writers lock blocks in the same order (no deadlock between them)."""
    qn = connection.ops.quote_name
    table = qn(CandidateMetricRollup._meta.db_table)
    fine, *coarse = ROLLUP_SHIFTS
    levels = ", ".join(f"({shift})" for shift in coarse)
    merge = ", ".join(
        f"{c} = {fn}(cur.{c}, EXCLUDED.{c})"
        for c, fn in (("vmin", "LEAST"), ("vmax", "GREATEST"), ("smin", "LEAST"), ("smax", "GREATEST"),
                      ("tmin", "LEAST"), ("tmax", "GREATEST"))
    )  # fmt: skip
    fine_sql = (
        f"SELECT candidate_id, name, step >> {fine} AS block, min(value) AS vmin, max(value) AS vmax,"
        f" min(step) AS smin, max(step) AS smax, min({qn('timestamp')}) AS tmin, max({qn('timestamp')}) AS tmax,"
        f" count(*) AS n FROM {source} GROUP BY candidate_id, name, block"
    )
    insert_sql = (
        f"INSERT INTO {table} AS cur (candidate_id, name, shift, block, vmin, vmax, smin, smax, tmin, tmax, n)"
        f" SELECT candidate_id, name, {fine}, block, vmin, vmax, smin, smax, tmin, tmax, n FROM rollup_fine"
        f" UNION ALL SELECT f.candidate_id, f.name, z.shift, f.block >> (z.shift - {fine}), min(f.vmin),"
        f" max(f.vmax), min(f.smin), max(f.smax), min(f.tmin), max(f.tmax), sum(f.n)::bigint"
        f" FROM rollup_fine f CROSS JOIN (VALUES {levels}) AS z(shift) GROUP BY 1, 2, 3, 4"
        " ORDER BY 1, 2, 3, 4"
        f" ON CONFLICT (candidate_id, name, shift, block) DO UPDATE SET {merge}, n = cur.n + EXCLUDED.n"
    )
    return fine_sql, insert_sql


def _metrics_insert_sql() -> str:
    qn = connection.ops.quote_name
    return f"INSERT INTO {qn(CandidateMetric._meta.db_table)} ({_columns(CandidateMetric, _METRIC_COLUMNS)}) "


def metrics_write_one_statement(candidate_id: int, metrics: Sequence[tuple[str, float, int, int]]) -> None:
    """History rows, their rollup blocks and the latest-value upsert as one PostgreSQL statement (data-modifying
    CTEs)."""
    history_source, history_params = _rows_source(candidate_id, metrics)
    latest_sql, latest_params = _latest_metrics_statement(candidate_id, _latest_rows(metrics))
    fine, rollup = rollup_sql("history")
    # The rollup insert is the main statement and the latest upsert a CTE: PostgreSQL runs the main statement
    # first and the remaining CTEs after it, so every write path locks rollup blocks before latest rows (as
    # metrics_write does in two statements) and two writers cannot wait on each other across the two tables.
    with hot_cursor() as cursor:
        cursor.execute(
            f"WITH history AS ({_metrics_insert_sql()}{history_source}{_SAME_POINT_ONCE}{_INSERTED}),"
            f" latest AS ({latest_sql}), rollup_fine AS ({fine}) {rollup}",
            [*history_params, *latest_params],
        )


def _latest_rows(metrics: Sequence[tuple[str, float, int, int]]) -> list[tuple[str, float, int, int]]:
    """The best point per name by MLflow's rule, in name order (so concurrent writers lock rows in one order)."""
    best: dict[str, tuple[str, float, int, int]] = {}
    for metric in metrics:
        name, value, timestamp, step = metric
        current = best.get(name)
        if current is None or (step, timestamp, _sort_value(value)) > (
            current[3],
            current[2],
            _sort_value(current[1]),
        ):
            best[name] = metric
    return [best[name] for name in sorted(best)]


def _latest_metrics_statement(
    candidate_id: int | None, rows: Sequence[tuple[str, float, int, int]]
) -> tuple[str, list]:
    qn = connection.ops.quote_name
    table = qn(CandidateLatestMetric._meta.db_table)
    c = {n: qn(CandidateLatestMetric._meta.get_field(n).column) for n in _METRIC_COLUMNS}
    nan_zero = "CASE WHEN {v} = %s THEN 0 ELSE {v} END"
    tail = (
        f" ON CONFLICT ({c['candidate']}, {c['name']}) DO UPDATE SET {c['value']} = EXCLUDED.{c['value']},"
        f" {c['step']} = EXCLUDED.{c['step']}, {c['timestamp']} = EXCLUDED.{c['timestamp']}"
        f" WHERE (EXCLUDED.{c['step']}, EXCLUDED.{c['timestamp']}, "
        + nan_zero.format(v=f"EXCLUDED.{c['value']}")
        + f") > (cur.{c['step']}, cur.{c['timestamp']}, "
        + nan_zero.format(v=f"cur.{c['value']}")
        + ")"
    )
    head = f"INSERT INTO {table} AS cur ({_columns(CandidateLatestMetric, _METRIC_COLUMNS)}) "
    source, params = _rows_source(candidate_id, rows)
    return head + source + tail, [*params, math.nan, math.nan]


def _latest_metrics_upsert(candidate_id: int, metrics: Sequence[tuple[str, float, int, int]]) -> None:
    """Keep the latest value per name by MLflow's rule (max step, then timestamp, then value; NaN counts as 0).

    One INSERT ... ON CONFLICT DO UPDATE ... WHERE (tuple comparison): the database decides under the row lock,
    so concurrent writers cannot lose a newer value. Rows go in name order so writers lock in the same order.
    """
    rows = _latest_rows(metrics)
    with hot_cursor() as cursor:
        for chunk in _chunks(rows):
            cursor.execute(*_latest_metrics_statement(candidate_id, chunk))


def metrics_write(candidate_id: int, metrics: Sequence[tuple[str, float, int, int]]) -> None:
    """History rows, their rollup blocks and latest values, in the caller's transaction (any number of points).

    Rollup blocks before latest rows, as the one-statement paths lock them."""
    _metrics_insert(candidate_id, metrics)
    _latest_metrics_upsert(candidate_id, metrics)


def metrics_write_ctes(metrics: Sequence[tuple[str, float, int, int]]) -> tuple[str, list]:
    """`history AS (…), latest AS (…), rollup_fine AS (…), rollup AS (…)`: the writes as CTEs of a caller's
    statement that defines `c(id, lifecycle)` first (the candidate); nothing is written unless it is active. At
    most PG_CHUNK points."""
    history_source, history_params = _rows_source(None, metrics)
    latest_sql, latest_params = _latest_metrics_statement(None, _latest_rows(metrics))
    # CTEs the main query does not read run after it, the last written first (PostgreSQL queues them in reverse):
    # rollup before latest, the lock order of the other write paths.
    fine, rollup = rollup_sql("history")
    sql = (
        f"history AS ({_metrics_insert_sql()}{history_source}{_SAME_POINT_ONCE}{_INSERTED}),"
        f" latest AS ({latest_sql}), rollup_fine AS ({fine}), rollup AS ({rollup})"
    )
    return sql, [*history_params, *latest_params]


def metric_rollup_rebuild(*, candidate_ids: Sequence[int]) -> None:
    """Recompute these candidates' rollup blocks from their history (histories logged before the rollup existed,
    or written around the services), safe while clients log to them.

    One REPEATABLE READ transaction: the blocks are deleted and rebuilt from one snapshot of the history, so a
    point committed before it is counted once, and a writer committing meanwhile makes PostgreSQL refuse the
    delete or the merge (a serialization failure) instead of counting wrong; the caller retries. The old blocks
    are locked in key order, the order writers lock them in, so the two do not deadlock. Called inside a
    transaction (tests, seeds) it runs in that one, at its isolation level."""
    qn = connection.ops.quote_name
    ids = list(candidate_ids)
    rollup = qn(CandidateMetricRollup._meta.db_table)
    history = (
        f"(SELECT candidate_id, name, value, step, {qn('timestamp')} FROM {qn(CandidateMetric._meta.db_table)}"
        " WHERE candidate_id = ANY(%s)) AS h"
    )
    fine, insert = rollup_sql(history)
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        with connection.cursor() as cursor:
            if outermost:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute(
                f"DELETE FROM {rollup} WHERE id IN (SELECT id FROM {rollup} WHERE candidate_id = ANY(%s)"
                " ORDER BY candidate_id, name, shift, block FOR UPDATE)",
                [ids],
            )
            cursor.execute(f"WITH rollup_fine AS ({fine}) {insert}", [ids])
