"""Reads for candidates: get through the project, metric history (paged, as plain tuples), latest metrics.

Search lives in candidates/search.py (candidate_search).
"""

import functools
import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.db import connection

from experiments.models import Experiment
from projects.db import hot_cursor
from projects.errors import NotFoundError
from projects.models import Project

from .models import (
    Candidate,
    CandidateInput,
    CandidateLatestMetric,
    CandidateMetadata,
    CandidateMetric,
    CandidateParam,
)


@dataclass
class CandidateData:
    """What is logged to a candidate, as plain values: params and metadata `(name, value)`, latest metrics
    `(name, value, timestamp, step)`, inputs as dicts of CandidateInput's fields."""

    params: list[tuple[str, str]] = field(default_factory=list)
    metadata: list[tuple[str, str]] = field(default_factory=list)
    latest_metrics: list[tuple[str, float, int, int]] = field(default_factory=list)
    inputs: list[dict] = field(default_factory=list)


def _data_sql(where: str = "candidate_id IN ({ids})") -> str:
    """One UNION ALL over the four tables (instead of four prefetch queries). Columns: kind, candidate id, name,
    text value, float value, step, timestamp, then the input's digest, source_type, source, schema, profile, tags."""
    qn = connection.ops.quote_name
    t = {
        m: qn(m._meta.db_table)
        for m in (CandidateParam, CandidateMetadata, CandidateLatestMetric, CandidateInput)
    }
    nulls_input = "NULL, NULL, NULL, NULL, NULL, NULL"
    tags_text = "CAST(tags AS TEXT)"
    return (
        f"SELECT 0 AS kind, id, candidate_id, name, value AS text_value, CAST(NULL AS DOUBLE PRECISION) AS num,"
        f" CAST(NULL AS BIGINT) AS step, CAST(NULL AS BIGINT) AS ts, CAST(NULL AS TEXT) AS digest,"
        f" CAST(NULL AS TEXT) AS source_type, CAST(NULL AS TEXT) AS source, CAST(NULL AS TEXT) AS sch,"
        f" CAST(NULL AS TEXT) AS profile, CAST(NULL AS TEXT) AS tags"
        f" FROM {t[CandidateParam]} WHERE {where}"
        f" UNION ALL SELECT 1, id, candidate_id, name, value, NULL, NULL, NULL, {nulls_input}"
        f" FROM {t[CandidateMetadata]} WHERE {where}"
        f" UNION ALL SELECT 2, id, candidate_id, name, NULL, value, step, {qn('timestamp')}, {nulls_input}"
        f" FROM {t[CandidateLatestMetric]} WHERE {where}"
        f" UNION ALL SELECT 3, id, candidate_id, name, NULL, NULL, NULL, NULL, digest, source_type, source,"
        f" {qn('schema')}, profile, {tags_text} FROM {t[CandidateInput]} WHERE {where}"
        " ORDER BY 1, 2"
    )


def candidate_data(*, candidate_ids: Sequence[int]) -> dict[int, CandidateData]:
    """{candidate id: CandidateData} for many candidates in one query."""
    out = {pk: CandidateData() for pk in candidate_ids}
    if not out:
        return out
    ids = list(out)
    # PostgreSQL: one array parameter, whatever the page size (search pages hold up to 50,000 runs).
    if connection.vendor == "postgresql":
        batches = [(_data_sql("candidate_id = ANY(CAST(%s AS BIGINT[]))"), [ids] * 4)]
    else:
        sql = _data_sql()
        batches = [
            (sql.format(ids=", ".join(["%s"] * len(chunk))), chunk * 4)
            for chunk in (ids[i : i + _IN_CHUNK] for i in range(0, len(ids), _IN_CHUNK))
        ]
    with hot_cursor() as cursor:
        for sql, params in batches:
            cursor.execute(sql, params)
            for row in cursor.fetchall():
                _data_row_add(out[row[2]], row)
    return out


_IN_CHUNK = 500  # ids per IN list off PostgreSQL (4 lists per query stay under SQLite's variable limit)


def _data_row_add(data: CandidateData, row) -> None:
    (
        kind,
        _pk,
        _candidate_id,
        name,
        text,
        num,
        step,
        ts,
        digest,
        source_type,
        source,
        schema,
        profile,
        tags,
    ) = row
    if kind == 0:
        data.params.append((name, text))
    elif kind == 1:
        data.metadata.append((name, text))
    elif kind == 2:
        data.latest_metrics.append((name, num, ts, step))
    elif kind == 3:
        data.inputs.append(
            {
                "name": name,
                "digest": digest,
                "source_type": source_type,
                "source": source,
                "schema": schema,
                "profile": profile,
                "tags": (json.loads(tags) if tags else None) or [],
            }  # fmt: skip
        )


@functools.cache
def _candidate_sql(with_data: bool) -> tuple[str, list[str], list[str]]:
    qn = connection.ops.quote_name
    c_fields, e_fields = Candidate._meta.concrete_fields, Experiment._meta.concrete_fields
    columns = [f"c.{qn(f.column)}" for f in c_fields] + [f"e.{qn(f.column)}" for f in e_fields]
    if with_data:
        # The run's own columns only on the first row: decoding its timestamps on every data row cost more
        # than the query.
        columns = [f"CASE WHEN d.seq IS NULL OR d.seq = 1 THEN {column} END" for column in columns]
    sql = (
        f"SELECT {', '.join(columns)}{', d.*' if with_data else ''} FROM {qn(Candidate._meta.db_table)} c"
        f" JOIN {qn(Experiment._meta.db_table)} e ON e.id = c.experiment_id"
    )
    if with_data:
        sql += (
            " LEFT JOIN LATERAL (SELECT row_number() OVER (ORDER BY u.kind, u.id) AS seq, u.*"
            f" FROM ({_data_sql('candidate_id = c.id')}) u) d ON TRUE"
        )
    # By eid alone (the unique index, whatever the statistics say); the project is checked on the row.
    sql += " WHERE c.eid = %s"
    if with_data:
        sql += " ORDER BY d.seq"
    return sql, [f.attname for f in c_fields], [f.attname for f in e_fields]


def candidate_get_for_project(*, project: Project, run_id: str, with_data: bool = False) -> Candidate:
    """The candidate with this MLflow run id (32 hex) in the project (its experiment selected), or NotFoundError.

    with_data also loads `candidate.data` (CandidateData: params, metadata, latest metrics, inputs). On
    PostgreSQL all of it is one query (a LATERAL UNION ALL), this being every MLflow run call's first read.
    """
    try:
        eid = uuid.UUID(hex=str(run_id))
    except (ValueError, TypeError) as exc:
        raise NotFoundError(f"Run with id={run_id} not found") from exc
    if connection.vendor != "postgresql":
        candidate = next(
            iter(Candidate.objects.select_related("experiment").filter(project=project, eid=eid)), None
        )
        if candidate is None:
            raise NotFoundError(f"Run with id={run_id} not found")
        if with_data:
            candidate.data = candidate_data(candidate_ids=[candidate.pk])[candidate.pk]
        return candidate
    sql, c_names, e_names = _candidate_sql(with_data)
    with hot_cursor() as cursor:
        cursor.execute(sql, [eid])
        rows = cursor.fetchall()
    if not rows:
        raise NotFoundError(f"Run with id={run_id} not found")
    first, split, end = rows[0], len(c_names), len(c_names) + len(e_names)
    candidate = Candidate.from_db(connection.alias, c_names, first[:split])
    if candidate.project_id != project.pk:
        raise NotFoundError(f"Run with id={run_id} not found")
    candidate.experiment = Experiment.from_db(connection.alias, e_names, first[split:end])
    if with_data:
        candidate.data = CandidateData()
        for row in rows:
            _data_row_add(candidate.data, row[end + 1 :])  # after the seq column
    return candidate


def candidate_metric_history(
    *, candidate: Candidate, name: str, max_results: int | None = None, offset: int = 0
) -> tuple[list[tuple[float, int, int]], int | None]:
    """`(value, timestamp, step)` tuples in MLflow's order (timestamp, step, value) and the next offset or None."""
    rows = (
        CandidateMetric.objects.filter(candidate=candidate, name=name)
        # No id tie-break: rows equal on (timestamp, step, value) are indistinguishable in the output, so
        # offset paging stays exact, and the sort needs nothing outside the covering history index.
        .order_by("timestamp", "step", "value")
        .values_list("value", "timestamp", "step")
    )
    if max_results is None:
        return list(rows[offset:] if offset else rows), None
    page = list(rows[offset : offset + max_results + 1])
    if len(page) > max_results:
        return page[:max_results], offset + max_results
    return page, None


def candidate_metric_history_json_items(
    *, candidate: Candidate, name: str, max_results: int | None = None, offset: int = 0
) -> tuple[str, int | None]:
    """The history (or one page of it) as MLflow's JSON metric objects joined by commas, built by PostgreSQL
    (PostgreSQL only), and the next offset or None: the same rows and order as candidate_metric_history.

    get-history of 100k+ points without a Python object per point: one string_agg over the covering history
    index. float8's text output is the shortest exact form (valid JSON); NaN/±inf become MLflow's strings.
    """
    qn = connection.ops.quote_name
    value, timestamp = qn("value"), qn("timestamp")
    page = " LIMIT %s OFFSET %s" if max_results is not None else " OFFSET %s"
    sql = (
        f"SELECT string_agg({_history_item_sql()}, ','"
        " ORDER BY n) FILTER (WHERE n <= %s), count(*)"
        # Sorting the numbers first (not the built strings) keeps the sort small.
        f" FROM (SELECT {value}, {timestamp}, step, row_number() OVER (ORDER BY {timestamp}, step, {value}) AS n"
        f" FROM {qn(CandidateMetric._meta.db_table)} WHERE candidate_id = %s AND name = %s"
        f" ORDER BY {timestamp}, step, {value}{page}) AS history"
    )
    # One extra row tells whether another page follows.
    params = [max_results + 1, offset] if max_results is not None else [offset]
    last = offset + max_results if max_results is not None else 2**62
    with hot_cursor() as cursor:
        cursor.execute(sql, [json.dumps(name), last, candidate.pk, name, *params])
        items, count = cursor.fetchone()
    more = max_results is not None and count > max_results
    return items or "", (offset + max_results if more else None)


def _history_item_sql() -> str:
    """One history row as MLflow's JSON metric object, built by PostgreSQL; the key is parameter 1."""
    qn = connection.ops.quote_name
    value, timestamp = qn("value"), qn("timestamp")
    return (
        "'{\"key\":' || %s || ',\"value\":' || CASE"
        f" WHEN {value} = 'NaN'::float8 THEN '\"NaN\"'"
        f" WHEN {value} = 'Infinity'::float8 THEN '\"Infinity\"'"
        f" WHEN {value} = '-Infinity'::float8 THEN '\"-Infinity\"'"
        f" ELSE {value}::text END || ',\"timestamp\":' || {timestamp} || ',\"step\":' || step || '}}'"
    )


HISTORY_STREAM_CHUNK = 20_000


def candidate_metric_history_json_stream(*, candidate: Candidate, name: str) -> Iterator[str]:
    """The whole history as chunks of MLflow JSON metric objects joined by commas (PostgreSQL only), read
    through a server-side cursor: one sort, and at most HISTORY_STREAM_CHUNK points in this process at a time,
    however long the history (one string_agg of 10M+ points would pass PostgreSQL's 1 GB value limit)."""
    qn = connection.ops.quote_name
    value, timestamp = qn("value"), qn("timestamp")
    sql = (
        f"SELECT {_history_item_sql()} FROM {qn(CandidateMetric._meta.db_table)}"
        f" WHERE candidate_id = %s AND name = %s ORDER BY {timestamp}, step, {value}"
    )
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, [json.dumps(name), candidate.pk, name])
        while rows := cursor.fetchmany(HISTORY_STREAM_CHUNK):
            yield ",".join(row[0] for row in rows)


def candidate_ids_for_run_ids(*, project: Project, run_ids: Sequence[str]) -> dict[str, int]:
    """{run id: candidate id} for the given MLflow run ids that exist in the project (others are left out)."""
    eids = {}
    for run_id in run_ids:
        try:
            eids[uuid.UUID(hex=str(run_id))] = str(run_id)
        except (ValueError, TypeError):
            continue
    found = Candidate.objects.filter(project=project, eid__in=list(eids)).values_list("eid", "pk")
    return {eids[eid]: pk for eid, pk in found}


def candidate_metric_history_sampled(
    *,
    candidate_ids: Sequence[int],
    name: str,
    max_results: int,
    start_step: int | None = None,
    end_step: int | None = None,
) -> dict[int, list[tuple[float, int, int]]]:
    """{candidate id: [(value, timestamp, step)]}: up to max_results points per candidate, sampled as MLflow's
    SQL store does for get-history-bulk-interval (its charts): NTILE(max_results) buckets over (step, timestamp,
    value), the first point of each bucket, and the last point always kept (replacing the final sample when the
    page is full). One query for all candidates; only the sampled rows leave the database.
    """
    out: dict[int, list[tuple[float, int, int]]] = {pk: [] for pk in candidate_ids}
    if not out:
        return out
    qn = connection.ops.quote_name
    value, timestamp = qn("value"), qn("timestamp")
    order = f"step, {timestamp}, {value}"
    ids = ", ".join(["%s"] * len(out))
    step_range = " AND step >= %s AND step <= %s" if start_step is not None and end_step is not None else ""
    sql = (
        f"SELECT candidate_id, id, {value}, {timestamp}, step, rn, last_rn FROM ("
        f" SELECT candidate_id, id, {value}, {timestamp}, step,"
        f" row_number() OVER (PARTITION BY candidate_id, bucket ORDER BY {order}) AS rn,"
        f" row_number() OVER (PARTITION BY candidate_id ORDER BY step DESC, {timestamp} DESC, {value} DESC)"
        " AS last_rn FROM ("
        f" SELECT candidate_id, id, {value}, {timestamp}, step,"
        f" ntile(%s) OVER (PARTITION BY candidate_id ORDER BY {order}) AS bucket"
        f" FROM {qn(CandidateMetric._meta.db_table)} WHERE candidate_id IN ({ids}) AND name = %s{step_range}"
        ") AS bucketed) AS ranked WHERE rn = 1 OR last_rn = 1"
        f" ORDER BY candidate_id, {order}"
    )
    params = [max_results, *out, name]
    if step_range:
        params += [start_step, end_step]
    last: dict[int, tuple] = {}
    rows: dict[int, list[tuple]] = {pk: [] for pk in out}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for candidate_id, pk, val, ts, step, rn, last_rn in cursor.fetchall():
            if rn == 1:
                rows[candidate_id].append((pk, val, ts, step))
            if last_rn == 1:
                last[candidate_id] = (pk, val, ts, step)
    for candidate_id, point in last.items():
        sampled = rows[candidate_id]
        if not sampled or sampled[-1][0] != point[0]:  # compared by row id (NaN != NaN)
            if len(sampled) >= max_results:
                sampled[-1] = point
            else:
                sampled.append(point)
    for candidate_id, sampled in rows.items():
        out[candidate_id] = [(val, ts, step) for _pk, val, ts, step in sampled]
    return out


@functools.cache
def _runs_json_sql() -> str:
    qn = connection.ops.quote_name
    t = {
        m: qn(m._meta.db_table)
        for m in (CandidateParam, CandidateMetadata, CandidateLatestMetric, CandidateInput)
    }

    def agg(table: str, pairs: str) -> str:
        return (
            f"COALESCE((SELECT json_agg(json_build_object({pairs}) ORDER BY x.id) FROM {table} x"
            " WHERE x.candidate_id = c.id), '[]'::json)"
        )

    dataset = (
        "'tags', COALESCE(x.tags::json, '[]'::json), 'dataset', json_strip_nulls(json_build_object('name', x.name,"
        " 'digest', x.digest, 'source_type', x.source_type, 'source', x.source,"
        f" 'schema', NULLIF(x.{qn('schema')}, ''), 'profile', NULLIF(x.profile, '')))"
    )
    info = (
        "json_strip_nulls(json_build_object('run_uuid', replace(c.eid::text, '-', ''),"
        " 'run_id', replace(c.eid::text, '-', ''), 'run_name', c.name, 'experiment_id', e.iid::text,"
        " 'user_id', c.user_name, 'status', c.status, 'start_time', c.start_time,"
        " 'artifact_uri', 'mlflow-artifacts:/' || e.iid || '/' || replace(c.eid::text, '-', '') || '/artifacts',"
        " 'lifecycle_stage', c.lifecycle, 'end_time', c.end_time))"
    )
    key_value = "'key', x.name, 'value', x.value"
    metric_pairs = f"'key', x.name, 'value', x.value, 'timestamp', x.{qn('timestamp')}, 'step', x.step"
    run = (
        f"json_build_object('info', {info}, 'data', json_build_object("
        f"'metrics', {agg(t[CandidateLatestMetric], metric_pairs)},"
        f" 'params', {agg(t[CandidateParam], key_value)},"
        f" 'tags', {agg(t[CandidateMetadata], key_value)}),"
        f" 'inputs', json_build_object('dataset_inputs', {agg(t[CandidateInput], dataset)}))"
    )
    return (
        f"SELECT string_agg({run}::text, ',' ORDER BY page.ord)"
        " FROM unnest(CAST(%s AS BIGINT[])) WITH ORDINALITY AS page(id, ord)"
        f" JOIN {qn(Candidate._meta.db_table)} c ON c.id = page.id"
        f" JOIN {qn(Experiment._meta.db_table)} e ON e.id = c.experiment_id"
    )


def candidate_runs_json_items(*, candidate_ids: Sequence[int]) -> str:
    """The candidates as MLflow Run JSON objects (info, data, inputs), in the given order, joined by commas, built
    by PostgreSQL (PostgreSQL only): search pages of 1,000 runs without a Python object per param, tag or metric.

    The same shape as mlflow_api.serializers.run_json: end_time only when set; NaN/±inf metric values become
    MLflow's strings (PostgreSQL's JSON output quotes them); float8 prints its shortest exact form.
    """
    if not candidate_ids:
        return ""
    with hot_cursor() as cursor:
        cursor.execute(_runs_json_sql(), [list(candidate_ids)])
        return cursor.fetchone()[0] or ""


def candidate_latest_metrics(*, candidate_ids: Sequence[int]) -> dict[int, dict[str, float]]:
    """{candidate id: {metric name: latest value}} in one query."""
    out: dict[int, dict[str, float]] = {pk: {} for pk in candidate_ids}
    for candidate_id, name, value in CandidateLatestMetric.objects.filter(
        candidate_id__in=list(out)
    ).values_list("candidate_id", "name", "value"):
        out[candidate_id][name] = value
    return out
