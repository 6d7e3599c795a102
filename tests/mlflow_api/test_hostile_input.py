"""Hostile input on the MLflow API gets a clean MLflow JSON 400, never a 500 (the client retries 5xx), and writes
nothing: NUL bytes, lone surrogates, deep nesting, integers outside int64, fields longer than their columns."""

import json

import pytest
from django.apps import apps
from django.test import override_settings

from candidates.services import candidate_log_batch
from model_registry import services as registry_services
from packages_registry import logged_models as lm

INT64_MAX = 2**63 - 1
NUL = "a\x00b"
LONG = "x" * 10_000
MLFLOW = "api/2.0/mlflow/"

# (id, method, path, body). In paths and bodies "{run}" is the run's id, "{exp}" the experiment's, "{mid}" a logged
# model's. A `str` body is sent as is (a lone surrogate can only be written as a JSON escape).
# fmt: off
CASES = [
    # ---- NUL bytes in any string
    ("nul-experiment-name", "POST", "experiments/create", {"name": NUL}),
    ("nul-experiment-tag-value", "POST", "experiments/create", {"name": "e", "tags": [{"key": "k", "value": NUL}]}),
    ("nul-experiment-rename", "POST", "experiments/update", {"experiment_id": "{exp}", "new_name": NUL}),
    ("nul-experiment-set-tag", "POST", "experiments/set-experiment-tag",
     {"experiment_id": "{exp}", "key": "k", "value": NUL}),
    ("nul-experiment-get-by-name", "GET", "experiments/get-by-name", {"experiment_name": NUL}),
    ("nul-experiment-search-filter", "POST", "experiments/search", {"filter": f"name = '{NUL}'"}),
    ("nul-experiment-get-id", "GET", "experiments/get", {"experiment_id": NUL}),
    ("nul-run-name", "POST", "runs/create", {"experiment_id": "{exp}", "run_name": NUL}),
    ("nul-run-user", "POST", "runs/create", {"experiment_id": "{exp}", "user_id": NUL}),
    ("nul-run-tag-value", "POST", "runs/create",
     {"experiment_id": "{exp}", "tags": [{"key": "k", "value": NUL}]}),
    ("nul-run-rename", "POST", "runs/update", {"run_id": "{run}", "run_name": NUL}),
    ("nul-param-value", "POST", "runs/log-parameter", {"run_id": "{run}", "key": "p", "value": NUL}),
    ("nul-tag-value", "POST", "runs/set-tag", {"run_id": "{run}", "key": "t", "value": NUL}),
    ("nul-metric-key", "POST", "runs/log-metric",
     {"run_id": "{run}", "key": NUL, "value": 1, "timestamp": 1, "step": 0}),
    ("nul-batch-param", "POST", "runs/log-batch", {"run_id": "{run}", "params": [{"key": "p", "value": NUL}]}),
    ("nul-batch-tag", "POST", "runs/log-batch", {"run_id": "{run}", "tags": [{"key": NUL, "value": "v"}]}),
    ("nul-run-search-filter", "POST", "runs/search",
     {"experiment_ids": ["{exp}"], "filter": f"params.p = '{NUL}'"}),
    ("nul-run-get-id", "GET", "runs/get", {"run_id": NUL}),
    ("nul-model-name", "POST", "registered-models/create", {"name": NUL}),
    ("nul-model-tag", "POST", "registered-models/create", {"name": "m2", "tags": [{"key": "k", "value": NUL}]}),
    ("model-tag-key-not-a-string", "POST", "registered-models/create", {"name": "m4", "tags": [{"key": [""]}]}),
    ("nul-model-get", "GET", "registered-models/get", {"name": NUL}),
    ("nul-model-search-filter", "POST", "registered-models/search", {"filter": f"name = '{NUL}'"}),
    ("nul-version-description", "POST", "model-versions/create",
     {"name": "m", "source": "runs:/{run}/model", "run_id": "{run}", "description": NUL}),
    ("nul-version-search-filter", "POST", "model-versions/search", {"filter": f"name = '{NUL}'"}),
    ("nul-alias", "POST", "registered-models/alias", {"name": "m", "alias": NUL, "version": "1"}),
    ("nul-logged-model-name", "POST", "logged-models", {"experiment_id": "{exp}", "name": NUL}),
    ("nul-logged-model-param", "POST", "logged-models",
     {"experiment_id": "{exp}", "name": "lm", "params": [{"key": "k", "value": NUL}]}),
    ("nul-logged-model-search-filter", "POST", "logged-models/search",
     {"experiment_ids": ["{exp}"], "filter": f"name = '{NUL}'"}),
    ("nul-logged-model-tag", "PATCH", "logged-models/{mid}/tags", {"tags": [{"key": "k", "value": NUL}]}),
    ("nul-logged-model-id-in-path", "GET", "logged-models/m-%00", None),
    # ---- lone surrogates (JSON escapes, and the raw bytes json.loads passes through)
    ("surrogate-experiment-name", "POST", "experiments/create", '{"name": "\\ud800"}'),
    ("surrogate-tag-value", "POST", "runs/set-tag", '{"run_id": "{run}", "key": "t", "value": "x\\udfffy"}'),
    ("surrogate-param-key", "POST", "runs/log-parameter", '{"run_id": "{run}", "key": "\\udc00", "value": "v"}'),
    ("surrogate-batch-metric-key", "POST", "runs/log-batch",
     '{"run_id": "{run}", "metrics": [{"key": "\\ud800", "value": 1, "timestamp": 1}]}'),
    ("surrogate-model-name", "POST", "registered-models/create", '{"name": "\\udbff"}'),
    ("surrogate-logged-model-name", "POST", "logged-models", '{"experiment_id": "{exp}", "name": "\\ud800"}'),
    ("surrogate-in-key", "POST", "experiments/create", '{"name": "e", "\\ud800": 1}'),
    ("surrogate-raw-bytes", "POST", "experiments/create", b'{"name": "\xed\xa0\x80"}'),
    # ---- nesting
    ("nested-100000", "POST", "runs/log-batch", "[" * 100_000 + "]" * 100_000),
    ("nested-object-100000", "POST", "experiments/create", '{"a":' * 100_000 + "1" + "}" * 100_000),
    ("nested-900-in-field", "POST", "experiments/create", '{"name": ' + "[" * 900 + "]" * 900 + "}"),
    # ---- integers outside int64
    ("metric-step-2^63", "POST", "runs/log-metric",
     {"run_id": "{run}", "key": "m", "value": 1, "timestamp": 1, "step": INT64_MAX + 1}),
    ("metric-step-below-int64", "POST", "runs/log-metric",
     {"run_id": "{run}", "key": "m", "value": 1, "timestamp": 1, "step": -(2**63) - 1}),
    ("metric-step-1e20", "POST", "runs/log-metric",
     {"run_id": "{run}", "key": "m", "value": 1, "timestamp": 1, "step": 1e20}),
    ("metric-step-string-2^63", "POST", "runs/log-metric",
     {"run_id": "{run}", "key": "m", "value": 1, "timestamp": 1, "step": str(INT64_MAX + 1)}),
    ("metric-timestamp-2^63", "POST", "runs/log-metric",
     {"run_id": "{run}", "key": "m", "value": 1, "timestamp": INT64_MAX + 1}),
    ("metric-value-1e400-integer", "POST", "runs/log-metric",
     '{"run_id": "{run}", "key": "m", "value": 1' + "0" * 400 + ', "timestamp": 1}'),
    ("batch-step-2^63", "POST", "runs/log-batch",
     {"run_id": "{run}", "metrics": [{"key": "m", "value": 1, "timestamp": 1, "step": INT64_MAX + 1}]}),
    ("batch-timestamp-string-2^64", "POST", "runs/log-batch",
     {"run_id": "{run}", "metrics": [{"key": "m", "value": 1, "timestamp": str(2**64), "step": 0}]}),
    ("batch-step-huge-negative-string", "POST", "runs/log-batch",
     {"run_id": "{run}", "metrics": [{"key": "m", "value": 1, "timestamp": 1, "step": "-" + "9" * 30}]}),
    ("batch-step-5000-digits", "POST", "runs/log-batch",
     {"run_id": "{run}", "metrics": [{"key": "m", "value": 1, "timestamp": 1, "step": "9" * 5000}]}),
    # ---- digits str.isdigit() accepts and int() refuses
    ("superscript-timestamp", "POST", "runs/log-metric", {"run_id": "{run}", "key": "m", "value": 1, "timestamp": "²"}),
    ("superscript-step", "POST", "runs/log-batch",
     {"run_id": "{run}", "metrics": [{"key": "m", "value": 1, "timestamp": 1, "step": "-²"}]}),
    ("superscript-logged-model-experiment", "POST", "logged-models", {"experiment_id": "²", "name": "n"}),
    ("superscript-logged-model-search", "POST", "logged-models/search", {"experiment_ids": ["²"]}),
    ("run-start-time-2^63", "POST", "runs/create", {"experiment_id": "{exp}", "start_time": INT64_MAX + 1}),
    ("run-end-time-2^63", "POST", "runs/update", {"run_id": "{run}", "end_time": INT64_MAX + 1}),
    ("run-end-time-below-int64", "POST", "runs/update", {"run_id": "{run}", "end_time": -(2**63) - 1}),
    ("run-end-time-1e20", "POST", "runs/update", {"run_id": "{run}", "end_time": 1e20}),
    ("experiment-search-max-results-2^64", "POST", "experiments/search", {"max_results": 2**64}),
    ("history-max-results-2^64", "GET", "metrics/get-history",
     {"run_id": "{run}", "metric_key": "m", "max_results": str(2**64)}),
    ("outputs-step-2^63", "POST", "runs/outputs", {"run_id": "{run}", "models": [{"model_id": "{mid}", "step": 2**63}]}),
    ("outputs-step-not-integer", "POST", "runs/outputs",
     {"run_id": "{run}", "models": [{"model_id": "{mid}", "step": "later"}]}),
    ("outputs-step-float", "POST", "runs/outputs", {"run_id": "{run}", "models": [{"model_id": "{mid}", "step": 1.5}]}),
    # ---- longer than the column (or MLflow's own limit)
    ("long-run-name", "POST", "runs/create", {"experiment_id": "{exp}", "run_name": "r" * 501}),
    ("long-run-name-tag", "POST", "runs/create",
     {"experiment_id": "{exp}", "tags": [{"key": "mlflow.runName", "value": "r" * 501}]}),
    ("long-run-rename", "POST", "runs/update", {"run_id": "{run}", "run_name": "r" * 501}),
    ("long-run-name-by-tag", "POST", "runs/set-tag", {"run_id": "{run}", "key": "mlflow.runName", "value": "r" * 501}),
    ("long-user-id", "POST", "runs/create", {"experiment_id": "{exp}", "user_id": "u" * 256}),
    ("long-experiment-name", "POST", "experiments/create", {"name": LONG}),
    ("long-experiment-tag-key", "POST", "experiments/create", {"name": "e", "tags": [{"key": LONG, "value": "v"}]}),
    ("long-param-key", "POST", "runs/log-parameter", {"run_id": "{run}", "key": "k" * 251, "value": "v"}),
    ("long-tag-key", "POST", "runs/set-tag", {"run_id": "{run}", "key": "k" * 251, "value": "v"}),
    ("long-model-name", "POST", "registered-models/create", {"name": LONG}),
    ("long-model-tag-key", "POST", "registered-models/create", {"name": "m3", "tags": [{"key": LONG, "value": "v"}]}),
    ("long-logged-model-name", "POST", "logged-models", {"experiment_id": "{exp}", "name": "n" * 501}),
    ("long-logged-model-type", "POST", "logged-models", {"experiment_id": "{exp}", "name": "n", "model_type": LONG}),
    ("long-logged-model-param-key", "POST", "logged-models",
     {"experiment_id": "{exp}", "name": "n", "params": [{"key": LONG, "value": "v"}]}),
    ("long-logged-model-tag-key", "PATCH", "logged-models/{mid}/tags", {"tags": [{"key": LONG, "value": "v"}]}),
    ("long-model-metric-dataset-name", "POST", "runs/log-metric",
     {"run_id": "{run}", "key": "m", "value": 1, "timestamp": 1, "model_id": "{mid}", "dataset_name": "d" * 501}),
    ("long-model-metric-dataset-digest", "POST", "runs/log-batch",
     {"run_id": "{run}", "metrics": [{"key": "m", "value": 1, "timestamp": 1, "model_id": "{mid}",
                                      "dataset_name": "d", "dataset_digest": "0" * 37}]}),
    ("model-metric-dataset-name-not-a-string", "POST", "runs/log-metric",
     {"run_id": "{run}", "key": "m", "value": 1, "timestamp": 1, "model_id": "{mid}", "dataset_name": ["d"]}),
    ("long-version-run-id", "POST", "model-versions/create", {"name": "m", "source": "s3://b/k", "run_id": LONG}),
]
# fmt: on


def _fill(value, ids: dict):
    if isinstance(value, str):
        for name, real in ids.items():
            value = value.replace("{" + name + "}", real)
        return value
    if isinstance(value, bytes):
        return value
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def row_counts() -> dict[str, int]:
    """Rows in every table an MLflow request may write."""
    labels = ("experiments", "candidates", "model_registry", "packages_registry")
    return {
        m._meta.label: m.objects.count() for label in labels for m in apps.get_app_config(label).get_models()
    }


@pytest.fixture
def world(tenant, tracking_exp, tracking_run):
    """An experiment, a run, a registered model with one version and a logged model to aim at."""
    candidate_log_batch(candidate=tracking_run, metrics=[("m", 1.0, 1, 0)])
    model = registry_services.model_create(
        project=tenant.project, name="m", description="", tags={}, user=None
    )
    logged = lm.logged_model_create(
        project=tenant.project, experiment=tracking_exp, name="lm0", user=None, model_type="",
        source_candidate=None, params={}, tags={},
    )  # fmt: skip
    return {"exp": str(tracking_exp.iid), "run": tracking_run.eid_hex, "mid": logged.model_id, "model": model}


def send(api, method: str, path: str, body):
    path = MLFLOW + path
    if method == "GET":
        return api.get(path, body)
    url = api.base + path
    if isinstance(body, str | bytes):
        return api.client.generic(method, url, body, content_type="application/json", **api.headers)
    return api.client.generic(
        method, url, json.dumps(body or {}), content_type="application/json", **api.headers
    )


def assert_mlflow_400(response, codes=("INVALID_PARAMETER_VALUE",)):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error_code", "message"}
    assert body["error_code"] in codes
    assert body["message"]


@pytest.mark.parametrize(("method", "path", "body"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_input_is_refused_with_mlflow_json_and_writes_nothing(api, world, method, path, body):
    ids = {k: v for k, v in world.items() if isinstance(v, str)}
    path, body = _fill(path, ids), _fill(body, ids)
    before = row_counts()
    response = send(api, method, path, body)
    assert_mlflow_400(response, codes=("INVALID_PARAMETER_VALUE", "MALFORMED_REQUEST"))
    assert row_counts() == before


def test_deep_json_is_malformed_request(api, world):
    response = send(api, "POST", "runs/log-batch", "[" * 100_000 + "]" * 100_000)
    assert_mlflow_400(response, codes=("MALFORMED_REQUEST",))


def test_int64_bounds_themselves_are_accepted(api, world):
    for step in (INT64_MAX, -(2**63)):
        response = api.post(
            MLFLOW + "runs/log-metric",
            {"run_id": world["run"], "key": "edge", "value": 1, "timestamp": INT64_MAX, "step": step},
        )
        assert response.status_code == 200, response.content
    history = api.get(MLFLOW + "metrics/get-history", {"run_id": world["run"], "metric_key": "edge"}).json()[
        "metrics"
    ]
    assert sorted(p["step"] for p in history) == [-(2**63), INT64_MAX]


def test_run_name_over_500_uses_mlflow_length_message(api, world):
    response = api.post(MLFLOW + "runs/create", {"experiment_id": world["exp"], "run_name": "r" * 501})
    assert_mlflow_400(response)
    assert response.json()["message"] == "'run_name' exceeds the maximum length of 500 characters"


def test_user_id_of_255_is_accepted(api, world):
    response = api.post(MLFLOW + "runs/create", {"experiment_id": world["exp"], "user_id": "u" * 255})
    assert response.status_code == 200
    assert response.json()["run"]["info"]["user_id"] == "u" * 255


def test_outputs_with_integer_string_step_is_accepted(api, world):
    response = api.post(
        MLFLOW + "runs/outputs", {"run_id": world["run"], "models": [{"model_id": world["mid"], "step": "3"}]}
    )
    assert response.status_code == 200, response.content


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_body_over_the_limit_answers_mlflow_json(api, world):
    before = row_counts()
    body = {"run_id": world["run"], "params": [{"key": f"p{i}", "value": "v" * 50} for i in range(50)]}
    response = send(api, "POST", "runs/log-batch", body)
    assert_mlflow_400(response)
    assert "ASSAY_MAX_REQUEST_BODY" in response.json()["message"] or "too large" in response.json()["message"]
    assert row_counts() == before


@pytest.mark.parametrize("version", ["²", "9" * 30, "-1"])
def test_odd_version_numbers_are_not_found(api, world, version):
    response = api.get(MLFLOW + "model-versions/get", {"name": "m", "version": version})
    assert response.status_code == 404 and response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


@pytest.mark.parametrize("experiment_id", ["²", "9" * 5000])
def test_experiment_search_by_an_impossible_id_finds_nothing(api, world, experiment_id):
    response = api.post(
        MLFLOW + "experiments/search", {"filter": f"attribute.experiment_id = '{experiment_id}'"}
    )
    assert response.status_code == 200, response.content
    assert response.json().get("experiments", []) == []
