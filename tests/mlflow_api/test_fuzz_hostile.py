"""Property-based fuzzing of the MLflow endpoints: whatever the body holds (NUL, lone surrogates, huge integers,
NaN/Infinity, long strings, nested JSON, wrong types), the answer is never a 5xx and every refusal is MLflow's
error JSON.

Examples are bounded and derandomized so the module stays well under 90 s in CI and fails the same way twice;
ASSAY_FUZZ_EXAMPLES=500 ASSAY_FUZZ_RANDOM=1 explores more locally. The number of cases tried is printed.
"""

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candidates.services import candidate_log_batch
from model_registry import services as registry_services
from packages_registry import logged_models as lm

EXAMPLES = int(os.environ.get("ASSAY_FUZZ_EXAMPLES", "20"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("ASSAY_FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
MLFLOW = "api/2.0/mlflow/"
TRIED: dict[str, int] = {}

# ------------------------------------------------------------------ hostile values

SPECIAL_STRINGS = [
    "", "\x00", "a\x00b", "\ud800", "x\udfffy", "\U0001f600", "é" * 300, "x" * 251, "x" * 501, "x" * 70_000,
    "NaN", "Infinity", "-1", "9223372036854775808", "-9223372036854775809", "1e20", "0x10", " 1 ", "9" * 5000,
    "'", "\"", "`", "%", "\\", "/abs", "../x", "m-" + "0" * 32, "0" * 32, "a" * 32, "models:/m/1", "runs:/x/m",
    "name = 'x'", "attributes.name LIKE '%'", "metrics.m > 1e400", "params.p = '\x00'", "tags.`k` = 'v'",
    "name ILIKE '\ud800'", "ORDER BY", "name DESC", "metrics.`m` ASC",
]  # fmt: skip
SPECIAL_NUMBERS = [
    0, -1, 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64, 10**30, 10**400, 1e20, -1e20,
    1.5, float("nan"), float("inf"), float("-inf"), 1e308, 5e-324,
]  # fmt: skip

hostile_text = st.one_of(
    st.sampled_from(SPECIAL_STRINGS),
    st.text(alphabet=st.characters(exclude_categories=()), max_size=40),  # surrogates and NUL included
)
scalar = st.one_of(
    hostile_text,
    st.sampled_from(SPECIAL_NUMBERS),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
)
value = st.recursive(
    scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["key", "value", "x", "\x00"]), inner, max_size=3),
    ),
    max_leaves=8,
)
key_value = st.fixed_dictionaries({}, optional={"key": value, "value": value})
key_values = st.one_of(value, st.lists(st.one_of(key_value, value), max_size=3))
metric = st.fixed_dictionaries(
    {}, optional={"key": value, "value": value, "timestamp": value, "step": value, "model_id": value}
)


location = st.one_of(
    value,
    st.fixed_dictionaries(
        {},
        optional={
            "mlflow_experiment": st.one_of(
                value, st.fixed_dictionaries({}, optional={"experiment_id": value})
            )
        },
    ),
)
trace_info = st.fixed_dictionaries(
    {},
    optional={
        name: value
        for name in ("trace_id", "request_time", "execution_duration", "state", "trace_metadata", "tags",
                     "request_preview", "response_preview", "client_request_id")
    } | {"trace_location": location},
)  # fmt: skip
trace = st.one_of(value, st.fixed_dictionaries({}, optional={"trace_info": st.one_of(value, trace_info)}))


def deep(n: int) -> str:
    return "[" * n + "]" * n


# ------------------------------------------------------------------ endpoints

# name → (method, path, {field: strategy}); the fuzzer fills any subset of the fields over a valid base body.
ENDPOINTS = {
    "experiments-create": ("POST", "experiments/create", {"name": value, "tags": key_values}),
    "experiments-get": ("GET", "experiments/get", {"experiment_id": value}),
    "experiments-get-by-name": ("GET", "experiments/get-by-name", {"experiment_name": value}),
    "experiments-search": (
        "POST", "experiments/search",
        {"filter": value, "max_results": value, "order_by": value, "view_type": value, "page_token": value},
    ),
    "runs-create": (
        "POST", "runs/create",
        {"experiment_id": value, "run_name": value, "user_id": value, "start_time": value, "tags": key_values},
    ),
    "runs-update": (
        "POST", "runs/update", {"run_id": value, "status": value, "end_time": value, "run_name": value},
    ),
    "runs-get": ("GET", "runs/get", {"run_id": value}),
    "runs-search": (
        "POST", "runs/search",
        {"experiment_ids": value, "filter": value, "max_results": value, "order_by": value,
         "page_token": value, "run_view_type": value},
    ),
    "runs-log-batch": (
        "POST", "runs/log-batch",
        {"run_id": value, "metrics": st.one_of(value, st.lists(metric, max_size=3)), "params": key_values,
         "tags": key_values},
    ),
    "runs-log-metric": (
        "POST", "runs/log-metric",
        {"key": value, "value": value, "timestamp": value, "step": value, "model_id": value,
         "dataset_name": value, "dataset_digest": value},
    ),
    "runs-set-tag": ("POST", "runs/set-tag", {"run_id": value, "key": value, "value": value}),
    "runs-log-parameter": ("POST", "runs/log-parameter", {"run_id": value, "key": value, "value": value}),
    "registered-models-create": (
        "POST", "registered-models/create", {"name": value, "description": value, "tags": key_values},
    ),
    "registered-models-search": (
        "POST", "registered-models/search",
        {"filter": value, "max_results": value, "order_by": value, "page_token": value},
    ),
    "model-versions-create": (
        "POST", "model-versions/create",
        {"name": value, "source": value, "run_id": value, "description": value, "tags": key_values,
         "model_id": value, "run_link": value},
    ),
    "model-versions-search": (
        "POST", "model-versions/search",
        {"filter": value, "max_results": value, "order_by": value, "page_token": value},
    ),
    "logged-models-create": (
        "POST", "logged-models",
        {"experiment_id": value, "name": value, "model_type": value, "source_run_id": value,
         "params": key_values, "tags": key_values},
    ),
    "logged-models-search": (
        "POST", "logged-models/search",
        {"experiment_ids": value, "filter": value, "datasets": value, "order_by": value,
         "max_results": value, "page_token": value},
    ),
    "traces-start": ("POST", "traces", {"trace": trace}),
    "traces-search": (
        "POST", "traces/search",
        {"locations": st.one_of(value, st.lists(location, max_size=2)), "filter": value, "max_results": value,
         "order_by": value, "page_token": value},
    ),
    "traces-delete": (
        "POST", "traces/delete-traces",
        {"experiment_id": value, "max_timestamp_millis": value, "max_traces": value, "request_ids": value},
    ),
}  # fmt: skip


@pytest.fixture
def world(tenant, tracking_exp, tracking_run):
    candidate_log_batch(candidate=tracking_run, metrics=[("m", 1.0, 1, 0)])
    registry_services.model_create(project=tenant.project, name="m", description="", tags={}, user=None)
    logged = lm.logged_model_create(project=tenant.project, experiment=tracking_exp, name="lm0", user=None)
    return {
        "experiment_id": str(tracking_exp.iid),
        "experiment_ids": [str(tracking_exp.iid)],
        "run_id": tracking_run.eid_hex,
        "name": "m",
        "source": f"runs:/{tracking_run.eid_hex}/model",
        "source_run_id": tracking_run.eid_hex,
        "key": "k",
        "value": "v",
        "timestamp": 1,
        "model_id": logged.model_id,
    }


@pytest.fixture(scope="module", autouse=True)
def report_cases(request):
    yield
    total = sum(TRIED.values())
    line = f"MLflow API fuzz: {total} cases over {len(TRIED)} endpoints and raw bodies ({EXAMPLES} examples each)"
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print("\n" + line)


def _query_value(v) -> str:
    """A GET value as the query string carries it (no lone surrogate survives %-encoding as UTF-8)."""
    text = v if isinstance(v, str) else json.dumps(v)
    return text.encode("utf-8", "replace").decode("utf-8")


def assert_clean(response, what):
    assert response.status_code < 500, (what, response.status_code, response.content[:500])
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/json", (what, response.content[:300])
        body = json.loads(response.content)
        assert set(body) == {"error_code", "message"} and body["error_code"] and body["message"], body


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@FUZZ
@given(data=st.data())
def test_endpoint_never_answers_5xx_and_refuses_in_mlflow_json(api, world, endpoint, data):
    method, path, fields = ENDPOINTS[endpoint]
    chosen = data.draw(st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=3, unique=True))
    body = {name: world[name] for name in fields if name in world}
    if "run_id" not in fields and path.startswith("runs/log-metric"):
        body["run_id"] = world["run_id"]
    for name in chosen:
        body[name] = data.draw(fields[name], label=name)
    TRIED[endpoint] = TRIED.get(endpoint, 0) + 1
    url = api.base + MLFLOW + path
    if method == "GET":
        response = api.client.get(url, {k: _query_value(v) for k, v in body.items()}, **api.headers)
    else:
        response = api.client.generic(
            method, url, json.dumps(body), content_type="application/json", **api.headers
        )
    assert_clean(response, (endpoint, body))


RAW_BODIES = [
    deep(100_000),
    '{"name":' + deep(2000) + "}",
    '{"name":' + deep(950) + "}",
    '{"a":' * 50_000 + "1" + "}" * 50_000,
    "NaN",
    "[]",
    '"just a string"',
    '{"name": "\\ud800"}',
    '{"name": "\\u0000"}',
    '{"\\u0000": 1}',
    "{",
    "\xff\xfe",
]


@pytest.mark.parametrize("path", ["experiments/create", "runs/log-batch", "runs/search", "logged-models"])
@FUZZ
@given(body=st.one_of(st.sampled_from(RAW_BODIES), st.binary(max_size=200)))
def test_raw_bodies_never_answer_5xx(api, world, path, body):
    TRIED[f"raw {path}"] = TRIED.get(f"raw {path}", 0) + 1
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    response = api.client.post(api.base + MLFLOW + path, raw, content_type="application/json", **api.headers)
    assert_clean(response, (path, raw[:100]))
