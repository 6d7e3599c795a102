"""MLflow JSON built by PostgreSQL: the SQL twins of serializers.run_json and of a metric point, kept next to the
Python ones so a field (MLflow 3's run `outputs`, say) is added here and there together, and the parity tests
(tests/mlflow_api/test_search_runs_api.py) compare the two.

    run_json_sql() -> str       one Run JSON object (info, data, inputs, outputs) as an SQL expression over the aliases
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
from packages_registry.models import LoggedModel, LoggedModelInput, LoggedModelOutput
from projects.db import quoted_tables
from projects.mlflow_data import ARTIFACTS_SCHEME, logged_model_id_sql


@functools.cache
def run_json_sql() -> str:
    """The same shape as serializers.run_json: end_time only when set; NaN/±inf metric values become MLflow's
    strings (PostgreSQL's JSON output quotes them)."""
    qn = connection.ops.quote_name
    t = quoted_tables(
        CandidateParam, CandidateMetadata, CandidateLatestMetric, CandidateInput,
        LoggedModel, LoggedModelOutput, LoggedModelInput,
    )  # fmt: skip

    def agg(table: str, pairs: str, join: str = "") -> str:
        """The candidate's rows of `table` as a JSON array, NULL when there are none."""
        return (
            f"(SELECT json_agg(json_build_object({pairs}) ORDER BY x.id) FROM {table} x{join}"
            " WHERE x.candidate_id = c.id)"
        )

    def agg_or_empty(table: str, pairs: str) -> str:
        return f"COALESCE({agg(table, pairs)}, '[]'::json)"

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
    # projects.mlflow_data.logged_model_id_of in SQL, over the logged model joined as `lm`
    model = f"'model_id', {logged_model_id_sql('lm.eid')}"
    model_join = f" JOIN {t[LoggedModel]} lm ON lm.id = x.logged_model_id"
    # As mlflow server: model inputs only once there are some, `outputs` {} until the run logged a model. The
    # sub-select names each array once, so it is read once.
    inputs = (
        f"(SELECT CASE WHEN s.m IS NULL THEN json_build_object('dataset_inputs', s.d)"
        " ELSE json_build_object('dataset_inputs', s.d, 'model_inputs', s.m) END"
        f" FROM (SELECT {agg_or_empty(t[CandidateInput], dataset)} AS d,"
        f" {agg(t[LoggedModelInput], model, model_join)} AS m) s)"
    )
    model_outputs = agg(t[LoggedModelOutput], f"{model}, 'step', x.step", model_join)
    outputs = (
        f"COALESCE((SELECT json_build_object('model_outputs', s.o) FROM (SELECT {model_outputs} AS o) s"
        " WHERE s.o IS NOT NULL), '{}'::json)"
    )
    return (
        f"json_build_object('info', {info}, 'data', json_build_object("
        f"'metrics', {agg_or_empty(t[CandidateLatestMetric], metric_pairs)},"
        f" 'params', {agg_or_empty(t[CandidateParam], key_value)},"
        f" 'tags', {agg_or_empty(t[CandidateMetadata], key_value)}),"
        f" 'inputs', {inputs}, 'outputs', {outputs})"
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
