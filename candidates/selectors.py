"""Reads for candidates: get through the project, latest metrics and data for many candidates.

Search lives in candidates/search.py (candidate_search), metric history in candidates/metrics/selectors.py. The
JSON the MLflow API sends is built by PostgreSQL from expressions mlflow_api/serializers_sql.py passes in
(candidate_json_items here, candidate_metric_history_text_* there).
"""

import functools
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import connection

from experiments.models import Experiment
from projects.db import hot_cursor, quoted_tables
from projects.errors import NotFoundError
from projects.models import Project

from .models import (
    Candidate,
    CandidateInput,
    CandidateLatestMetric,
    CandidateMetadata,
    CandidateParam,
)


@dataclass
class CandidateData:
    """What is logged to a candidate, as plain values: params and metadata `(name, value)`, latest metrics
    `(name, value, timestamp, step)`, inputs as dicts of CandidateInput's fields, the logged models it produced
    `(model id, step)` and used (model ids)."""

    params: list[tuple[str, str]] = field(default_factory=list)
    metadata: list[tuple[str, str]] = field(default_factory=list)
    latest_metrics: list[tuple[str, float, int, int]] = field(default_factory=list)
    inputs: list[dict] = field(default_factory=list)
    model_outputs: list[tuple[str, int]] = field(default_factory=list)
    model_inputs: list[str] = field(default_factory=list)


# Extra UNION ALL branches of a candidate's data that live in apps above this one (MLflow 3 model links are
# packages_registry's tables): given the WHERE clause on `candidate_id`, SQL of rows in _data_sql's columns,
# kind 4 `(model id, step)` produced, kind 5 `model id` used. Callers up the stack pass
# the package registry's logged_model_link_branches; candidates itself never imports those tables.
LinkBranches = Callable[[str], Sequence[str]]


def _data_sql(where: str, links: LinkBranches | None = None) -> tuple[str, int]:
    """One UNION ALL over the four tables (instead of four prefetch queries), plus the `links` branches.
    Columns: kind, id, candidate id, name, text value, float value, step, timestamp, then the input's digest,
    source_type, source, schema, profile, tags. Returns the SQL and how many times it uses `where`."""
    qn = connection.ops.quote_name
    t = quoted_tables(CandidateParam, CandidateMetadata, CandidateLatestMetric, CandidateInput)
    nulls_input = "NULL, NULL, NULL, NULL, NULL, NULL"
    tags_text = "CAST(tags AS TEXT)"
    branches = [
        f"SELECT 0 AS kind, id, candidate_id, name, value AS text_value, CAST(NULL AS DOUBLE PRECISION) AS num,"
        f" CAST(NULL AS BIGINT) AS step, CAST(NULL AS BIGINT) AS ts, CAST(NULL AS TEXT) AS digest,"
        f" CAST(NULL AS TEXT) AS source_type, CAST(NULL AS TEXT) AS source, CAST(NULL AS TEXT) AS sch,"
        f" CAST(NULL AS TEXT) AS profile, CAST(NULL AS TEXT) AS tags"
        f" FROM {t[CandidateParam]} WHERE {where}",
        f"SELECT 1, id, candidate_id, name, value, NULL, NULL, NULL, {nulls_input}"
        f" FROM {t[CandidateMetadata]} WHERE {where}",
        f"SELECT 2, id, candidate_id, name, NULL, value, step, {qn('timestamp')}, {nulls_input}"
        f" FROM {t[CandidateLatestMetric]} WHERE {where}",
        f"SELECT 3, id, candidate_id, name, NULL, NULL, NULL, NULL, digest, source_type, source,"
        f" {qn('schema')}, profile, {tags_text} FROM {t[CandidateInput]} WHERE {where}",
        *(links(where) if links else ()),
    ]
    return " UNION ALL ".join(branches) + " ORDER BY 1, 2", len(branches)


def data_branch_columns(*, kind: int, alias: str, name_sql: str, step_sql: str = "NULL") -> str:
    """The column list of a `links` branch in _data_sql's shape (for callers writing LinkBranches)."""
    return f"SELECT {kind}, {alias}.id, {alias}.candidate_id, {name_sql}, NULL, NULL, {step_sql}, NULL" + (
        ", NULL" * 6
    )


def candidate_data(
    *, candidate_ids: Sequence[int], links: LinkBranches | None = None
) -> dict[int, CandidateData]:
    """{candidate id: CandidateData} for many candidates in one query (model links only with `links`)."""
    out = {pk: CandidateData() for pk in candidate_ids}
    if not out:
        return out
    ids = list(out)
    sql, uses = _data_sql("candidate_id = ANY(CAST(%s AS BIGINT[]))", links)
    # One array parameter, whatever the page size (search pages hold up to 50,000 runs).
    with hot_cursor() as cursor:
        cursor.execute(sql, [ids] * uses)
        for row in cursor.fetchall():
            _data_row_add(out[row[2]], row)
    return out


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
    elif kind == 4:
        data.model_outputs.append((name, step))
    elif kind == 5:
        data.model_inputs.append(name)
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
def _candidate_sql(with_data: bool, links: LinkBranches | None) -> tuple[str, list[str], list[str]]:
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
            f" FROM ({_data_sql('candidate_id = c.id', links)[0]}) u) d ON TRUE"
        )
    # By eid alone (the unique index, whatever the statistics say); the project is checked on the row.
    sql += " WHERE c.eid = %s"
    if with_data:
        sql += " ORDER BY d.seq"
    return sql, [f.attname for f in c_fields], [f.attname for f in e_fields]


def candidate_get_for_project(
    *, project: Project, eid_hex: str, with_data: bool = False, links: LinkBranches | None = None
) -> Candidate:
    """The candidate with this external id (32 hex, MLflow's run id) in the project (its experiment selected),
    or NotFoundError.

    with_data also loads `candidate.data` (CandidateData: params, metadata, latest metrics, inputs, and the
    model links when `links` is given). All of it is one query (a LATERAL UNION ALL), this being every MLflow
    run call's first read.
    """
    try:
        eid = uuid.UUID(hex=str(eid_hex))
    except (ValueError, TypeError) as exc:
        raise NotFoundError(f"Run with id={eid_hex} not found") from exc
    sql, c_names, e_names = _candidate_sql(with_data, links)
    with hot_cursor() as cursor:
        cursor.execute(sql, [eid])
        rows = cursor.fetchall()
    if not rows:
        raise NotFoundError(f"Run with id={eid_hex} not found")
    first, split, end = rows[0], len(c_names), len(c_names) + len(e_names)
    candidate = Candidate.from_db(connection.alias, c_names, first[:split])
    if candidate.project_id != project.pk:
        raise NotFoundError(f"Run with id={eid_hex} not found")
    candidate.experiment = Experiment.from_db(connection.alias, e_names, first[split:end])
    if with_data:
        candidate.data = CandidateData()
        for row in rows:
            _data_row_add(candidate.data, row[end + 1 :])  # after the seq column
    return candidate


def candidate_ids_for_eid_hexes(*, project: Project, eid_hexes: Sequence[str]) -> dict[str, int]:
    """{external id hex: candidate id} for the given ids (MLflow run ids) that exist in the project (others are
    left out)."""
    eids = {}
    for eid_hex in eid_hexes:
        try:
            eids[uuid.UUID(hex=str(eid_hex))] = str(eid_hex)
        except (ValueError, TypeError):
            continue
    found = Candidate.objects.filter(project=project, eid__in=list(eids)).values_list("eid", "pk")
    return {eids[eid]: pk for eid, pk in found}


@functools.cache
def _json_page_sql(item_sql: str) -> str:
    qn = connection.ops.quote_name
    return (
        f"SELECT string_agg(({item_sql})::text, ',' ORDER BY page.ord)"
        " FROM unnest(CAST(%s AS BIGINT[])) WITH ORDINALITY AS page(id, ord)"
        f" JOIN {qn(Candidate._meta.db_table)} c ON c.id = page.id"
        f" JOIN {qn(Experiment._meta.db_table)} e ON e.id = c.experiment_id"
    )


def candidate_json_items(*, candidate_ids: Sequence[int], item_sql: str) -> str:
    """The candidates, in the given order, each rendered by the SQL expression `item_sql` over the aliases `c`
    (the candidate row) and `e` (its experiment row), joined by commas: one prepared query, without a Python
    object per param, tag or metric (search pages of 1,000 runs). mlflow_api passes its Run JSON expression
    (serializers_sql.run_json_sql); `item_sql` must be fixed text (no data in it), as it is prepared."""
    if not candidate_ids:
        return ""
    with hot_cursor() as cursor:
        cursor.execute(_json_page_sql(item_sql), [list(candidate_ids)])
        return cursor.fetchone()[0] or ""
