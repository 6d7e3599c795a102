"""log-metric, log-parameter, set-tag, delete-tag, log-batch, log-inputs, log-model: validation as the reference."""

import json

import pytest

from candidates.models import (
    CandidateInput,
    CandidateLatestMetric,
    CandidateMetadata,
    CandidateMetric,
    CandidateParam,
)

pytestmark = [pytest.mark.django_db]
R = "api/2.0/mlflow/runs/"


def written(candidate):
    return (
        CandidateMetric.objects.filter(candidate=candidate).count(),
        CandidateParam.objects.filter(candidate=candidate).count(),
        CandidateMetadata.objects.filter(candidate=candidate).exclude(name="mlflow.runName").count(),
    )


@pytest.mark.smoke
def test_log_metric_param_tag(api, tracking_run, assert_query_count):
    run_id = tracking_run.eid_hex
    # auth 1 + token last-used stamp 1 + one statement (run lookup, history, latest value) 1
    with assert_query_count("log_metric"):
        response = api.post(
            R + "log-metric", {"run_id": run_id, "key": "loss", "value": 0.5, "timestamp": 10}
        )
    assert response.json() == {}
    api.post(
        R + "log-metric", {"run_id": run_id, "key": "loss", "value": "0.25", "timestamp": "11", "step": "3"}
    )
    assert list(CandidateMetric.objects.filter(candidate=tracking_run).values_list("value", "step")) == [
        (0.5, 0),
        (0.25, 3),
    ]
    assert api.post(R + "log-parameter", {"run_id": run_id, "key": "lr", "value": "0.1"}).json() == {}
    changed = api.post(R + "log-parameter", {"run_id": run_id, "key": "lr", "value": "0.2"})
    assert changed.status_code == 400 and changed.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert api.post(R + "set-tag", {"run_id": run_id, "key": "t", "value": "x"}).json() == {}
    assert api.post(R + "delete-tag", {"run_id": run_id, "key": "t"}).json() == {}
    missing = api.post(R + "delete-tag", {"run_id": run_id, "key": "t"})
    assert missing.status_code == 404 and missing.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    assert written(tracking_run) == (2, 1, 0)


@pytest.mark.parametrize(
    "body, message",
    [
        ({"key": "m", "timestamp": 1}, "Missing value for required parameter 'value'"),
        ({"key": "m", "value": 1}, "Missing value for required parameter 'timestamp'"),
        ({"value": 1, "timestamp": 1}, "Missing value for required parameter 'key'"),
        ({"key": "m", "value": "abc", "timestamp": 1}, "valid double"),
        ({"key": "m", "value": True, "timestamp": 1}, "valid double"),
        ({"key": "m", "value": 1, "timestamp": -1}, "nonnegative"),
        ({"key": "m", "value": 1, "timestamp": 1, "step": "x"}, "64-bit integer"),
        ({"key": "../m", "value": 1, "timestamp": 1}, "must not resolve to other names"),
    ],
)
def test_log_metric_validation(api, tracking_run, body, message):
    response = api.post(R + "log-metric", {"run_id": tracking_run.eid_hex, **body})
    assert response.status_code == 400 and response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert message in response.json()["message"]
    assert written(tracking_run) == (0, 0, 0)


def test_nan_and_infinity_round_trip_as_protobuf_json(api, read_api, tracking_run):
    for key, value in (("nan", "NaN"), ("pinf", "Infinity"), ("ninf", "-Infinity")):
        api.post(
            R + "log-metric", {"run_id": tracking_run.eid_hex, "key": key, "value": value, "timestamp": 1}
        )
    metrics = read_api.get(R + "get", {"run_id": tracking_run.eid_hex}).json()["run"]["data"]["metrics"]
    assert {m["key"]: m["value"] for m in metrics} == {"nan": "NaN", "pinf": "Infinity", "ninf": "-Infinity"}


def test_log_batch_writes_all_and_limits_refuse_everything(api, tracking_run):
    run_id = tracking_run.eid_hex
    ok = api.post(
        R + "log-batch",
        {
            "run_id": run_id,
            "metrics": [{"key": f"m{i}", "value": i, "timestamp": 5, "step": 1} for i in range(1000)],
        },
    )
    assert ok.json() == {}
    api.post(
        R + "log-batch",
        {
            "run_id": run_id,
            "params": [{"key": f"p{i}", "value": "v"} for i in range(100)],
            "tags": [{"key": f"t{i}", "value": "v"} for i in range(100)],
        },
    )
    assert written(tracking_run) == (1000, 100, 100)
    assert CandidateLatestMetric.objects.filter(candidate=tracking_run).count() == 1000
    for kind, count in (("metrics", 1001), ("params", 101), ("tags", 101)):
        items = [{"key": f"x{i}", "value": "1", "timestamp": 1} for i in range(count)]
        response = api.post(R + "log-batch", {"run_id": run_id, kind: items})
        assert response.status_code == 400 and response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
        assert f"at most {count - 1} {kind}" in response.json()["message"]
    assert written(tracking_run) == (1000, 100, 100)
    changed = api.post(
        R + "log-batch",
        {
            "run_id": run_id,
            "params": [{"key": "p0", "value": "other"}],
            "metrics": [{"key": "z", "value": 1}],
        },
    )
    assert changed.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert written(tracking_run) == (1000, 100, 100)
    assert api.post(R + "log-batch", {"run_id": run_id}).json() == {}


def test_logging_to_a_deleted_run_is_refused(api, tracking_run):
    api.post(R + "delete", {"run_id": tracking_run.eid_hex})
    response = api.post(
        R + "log-metric", {"run_id": tracking_run.eid_hex, "key": "m", "value": 1, "timestamp": 1}
    )
    assert (
        response.json()["error_code"] == "INVALID_PARAMETER_VALUE" and "active" in response.json()["message"]
    )
    assert written(tracking_run) == (0, 0, 0)


def test_log_inputs_and_log_model(api, tracking_run, read_api):
    dataset = {"name": "train", "digest": "abc123", "source_type": "local", "source": '{"uri": "/d"}'}
    body = {
        "run_id": tracking_run.eid_hex,
        "datasets": [{"tags": [{"key": "context", "value": "training"}], "dataset": dataset}],
    }
    assert api.post(R + "log-inputs", body).json() == {}
    assert api.post(R + "log-inputs", body).json() == {}  # the same dataset is stored once
    assert CandidateInput.objects.get(candidate=tracking_run).tags == [
        {"key": "context", "value": "training"}
    ]
    inputs = read_api.get(R + "get", {"run_id": tracking_run.eid_hex}).json()["run"]["inputs"]
    assert inputs["dataset_inputs"][0]["dataset"]["digest"] == "abc123"
    missing = api.post(
        R + "log-inputs", {"run_id": tracking_run.eid_hex, "datasets": [{"dataset": {"name": "x"}}]}
    )
    assert missing.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    for model in ({"artifact_path": "m", "flavors": {}}, {"artifact_path": "n", "flavors": {}}):
        assert (
            api.post(
                R + "log-model", {"run_id": tracking_run.eid_hex, "model_json": json.dumps(model)}
            ).json()
            == {}
        )
    history = CandidateMetadata.objects.get(candidate=tracking_run, name="mlflow.log-model.history").value
    assert [m["artifact_path"] for m in json.loads(history)] == ["m", "n"]
    bad = api.post(R + "log-model", {"run_id": tracking_run.eid_hex, "model_json": "not json"})
    assert bad.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_log_model_keeps_a_long_history_whole_and_refuses_a_history_tag_that_is_not_a_list(api, tracking_run):
    model = {"artifact_path": "m", "flavors": {"python_function": {"doc": "x" * 3000}}}
    for _ in range(4):  # past the 8,000 characters other tag values are cut to: a cut list would not parse
        api.post(R + "log-model", {"run_id": tracking_run.eid_hex, "model_json": json.dumps(model)})
    history = CandidateMetadata.objects.get(candidate=tracking_run, name="mlflow.log-model.history").value
    assert len(json.loads(history)) == 4
    api.post(
        R + "set-tag", {"run_id": tracking_run.eid_hex, "key": "mlflow.log-model.history", "value": "oops"}
    )
    response = api.post(R + "log-model", {"run_id": tracking_run.eid_hex, "model_json": json.dumps(model)})
    assert response.status_code == 400 and response.json()["error_code"] == "INVALID_STATE"


def test_writes_refused_for_reader_stranger_and_anonymous(read_api, anon_api, intruder_api, tracking_run):
    run_id = tracking_run.eid_hex
    calls = [
        ("log-metric", {"run_id": run_id, "key": "m", "value": 1, "timestamp": 1}),
        ("log-parameter", {"run_id": run_id, "key": "p", "value": "1"}),
        ("set-tag", {"run_id": run_id, "key": "t", "value": "1"}),
        ("log-batch", {"run_id": run_id, "params": [{"key": "b", "value": "1"}]}),
        ("delete-tag", {"run_id": run_id, "key": "mlflow.runName"}),
    ]
    for api_, status in ((read_api, 403), (anon_api, 401), (intruder_api, 404)):
        for path, body in calls:
            assert api_.post(R + path, body).status_code == status, (path, status)
    assert written(tracking_run) == (0, 0, 0)
    assert CandidateMetadata.objects.filter(candidate=tracking_run, name="mlflow.runName").exists()


@pytest.mark.smoke
def test_the_same_point_logged_again_is_stored_once(api, tracking_run):
    """As MLflow (its metrics' primary key is key, timestamp, step, value per run): an identical point logged
    again, by log-metric or in a batch (MLflow 3's log_model re-logs the run's metrics with the model's id), is
    kept once; another value at the same step and timestamp is a point of its own."""
    run_id = tracking_run.eid_hex
    point = {"key": "acc", "value": 0.5, "timestamp": 1000, "step": 0}
    for _ in range(2):
        assert api.post("api/2.0/mlflow/runs/log-metric", {"run_id": run_id, **point}).status_code == 200
    batch = [point, point, {**point, "value": 0.7}]
    assert api.post("api/2.0/mlflow/runs/log-batch", {"run_id": run_id, "metrics": batch}).status_code == 200
    assert (
        api.post(
            "api/2.0/mlflow/runs/log-batch",
            {"run_id": run_id, "metrics": batch, "params": [{"key": "p", "value": "1"}]},  # the general path
        ).status_code
        == 200
    )
    history = api.get("api/2.0/mlflow/metrics/get-history", {"run_id": run_id, "metric_key": "acc"}).json()
    assert [(m["value"], m["timestamp"], m["step"]) for m in history["metrics"]] == [
        (0.5, 1000, 0),
        (0.7, 1000, 0),
    ]
    run = api.get("api/2.0/mlflow/runs/get", {"run_id": run_id}).json()["run"]
    assert run["data"]["metrics"] == [{"key": "acc", "value": 0.7, "timestamp": 1000, "step": 0}]
