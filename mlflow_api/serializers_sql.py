"""MLflow JSON built by PostgreSQL: the SQL twins of serializers.run_json and of a metric point, kept next to the
Python ones so a field (MLflow 3's run `outputs`, say) is added here and there together, and the parity tests
(tests/mlflow_api/test_search_runs_api.py) compare the two.

    run_json_sql() -> str       one Run JSON object (info, data, inputs) as an SQL expression over the aliases
                                `c` (the candidate row) and `e` (its experiment row)
    metric_json_sql() -> str    one metric point `{"key","value","timestamp","step"}` over a history row's
                                columns; the key (JSON text) is the expression's one parameter

The selectors that run them (candidates.selectors.candidate_json_items, candidates.metrics.selectors.candidate_metric_history_text_*) build
the statement around the expression once and prepare it (projects.db.hot_cursor). float8's text output is the
shortest exact form (valid JSON); NaN/±inf become MLflow's strings.
"""

import functools

from django.db import connection

from candidates.models import CandidateInput, CandidateLatestMetric, CandidateMetadata, CandidateParam
from projects.mlflow_data import ARTIFACTS_SCHEME


@functools.cache
def run_json_sql() -> str:
    """The same shape as serializers.run_json: end_time only when set; NaN/±inf metric values become MLflow's
    strings (PostgreSQL's JSON output quotes them)."""
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

    run_hex = "replace(c.eid::text, '-', '')"
    dataset = (
        "'tags', COALESCE(x.tags::json, '[]'::json), 'dataset', json_strip_nulls(json_build_object('name', x.name,"
        " 'digest', x.digest, 'source_type', x.source_type, 'source', x.source,"
        f" 'schema', NULLIF(x.{qn('schema')}, ''), 'profile', NULLIF(x.profile, '')))"
    )
    info = (
        f"json_strip_nulls(json_build_object('run_uuid', {run_hex},"
        f" 'run_id', {run_hex}, 'run_name', c.name, 'experiment_id', e.iid::text,"
        " 'user_id', c.user_name, 'status', c.status, 'start_time', c.start_time,"
        f" 'artifact_uri', '{ARTIFACTS_SCHEME}:/' || e.iid || '/' || {run_hex} || '/artifacts',"
        " 'lifecycle_stage', c.lifecycle, 'end_time', c.end_time))"
    )
    key_value = "'key', x.name, 'value', x.value"
    metric_pairs = f"'key', x.name, 'value', x.value, 'timestamp', x.{qn('timestamp')}, 'step', x.step"
    return (
        f"json_build_object('info', {info}, 'data', json_build_object("
        f"'metrics', {agg(t[CandidateLatestMetric], metric_pairs)},"
        f" 'params', {agg(t[CandidateParam], key_value)},"
        f" 'tags', {agg(t[CandidateMetadata], key_value)}),"
        f" 'inputs', json_build_object('dataset_inputs', {agg(t[CandidateInput], dataset)}))"
    )


@functools.cache
def metric_json_sql() -> str:
    """One history row as MLflow's JSON metric object (text); the key, as JSON text, is the parameter."""
    qn = connection.ops.quote_name
    value, timestamp = qn("value"), qn("timestamp")
    return (
        "'{\"key\":' || %s || ',\"value\":' || CASE"
        f" WHEN {value} = 'NaN'::float8 THEN '\"NaN\"'"
        f" WHEN {value} = 'Infinity'::float8 THEN '\"Infinity\"'"
        f" WHEN {value} = '-Infinity'::float8 THEN '\"-Infinity\"'"
        f" ELSE {value}::text END || ',\"timestamp\":' || {timestamp} || ',\"step\":' || step || '}}'"
    )
