"""Metric history writes: history rows and the latest value per name, kept by MLflow's rule in the database.

Depends only on the candidate models, experiments (lifecycle) and projects; candidates.services calls it, nothing
here calls back up (the import-linter contract "metric history" checks it).
"""

import math
from collections.abc import Sequence

from django.db import connection

from experiments.models import Lifecycle
from projects.db import hot_cursor

from ..models import CandidateLatestMetric, CandidateMetric


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
    """History rows inserted from tuples in one statement per chunk (no model instances: this is the hot path)."""
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(CandidateMetric._meta.db_table)} ({_columns(CandidateMetric, _METRIC_COLUMNS)}) "
    with hot_cursor() as cursor:
        for chunk in _chunks(metrics):
            source, params = _rows_source(candidate_id, chunk)
            cursor.execute(head + source + _SAME_POINT_ONCE, params)


# A point already stored (same name, step, timestamp and value) is not stored again, as in MLflow.
_SAME_POINT_ONCE = " ON CONFLICT DO NOTHING"


def _metrics_insert_sql() -> str:
    qn = connection.ops.quote_name
    return f"INSERT INTO {qn(CandidateMetric._meta.db_table)} ({_columns(CandidateMetric, _METRIC_COLUMNS)}) "


def metrics_write_one_statement(candidate_id: int, metrics: Sequence[tuple[str, float, int, int]]) -> None:
    """History rows and the latest-value upsert as one PostgreSQL statement (a data-modifying CTE)."""
    history_source, history_params = _rows_source(candidate_id, metrics)
    latest_sql, latest_params = _latest_metrics_statement(candidate_id, _latest_rows(metrics))
    with hot_cursor() as cursor:
        cursor.execute(
            f"WITH history AS ({_metrics_insert_sql()}{history_source}{_SAME_POINT_ONCE}) {latest_sql}",
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
    """History rows and latest values, in the caller's transaction (any number of points)."""
    _metrics_insert(candidate_id, metrics)
    _latest_metrics_upsert(candidate_id, metrics)


def metrics_write_ctes(metrics: Sequence[tuple[str, float, int, int]]) -> tuple[str, list]:
    """`history AS (…), latest AS (…)`: both writes as CTEs of a caller's statement that defines
    `c(id, lifecycle)` first (the candidate); nothing is written unless it is active. At most PG_CHUNK points."""
    history_source, history_params = _rows_source(None, metrics)
    latest_sql, latest_params = _latest_metrics_statement(None, _latest_rows(metrics))
    sql = f"history AS ({_metrics_insert_sql()}{history_source}{_SAME_POINT_ONCE}), latest AS ({latest_sql})"
    return sql, [*history_params, *latest_params]
