"""`PATCH` / `DELETE api/2.0/mlflow/traces/<trace id>/tags` (SetTraceTag, DeleteTraceTag)."""

from traces.models import TraceTag

from .trace_bodies import new_trace_id, trace_start


def _tags(api, trace_id) -> dict:
    return api.get(f"api/3.0/mlflow/traces/{trace_id}").json()["trace"]["trace_info"]["tags"]


def test_set_and_delete_a_trace_tag(api, tracking_exp):
    trace_id = new_trace_id()
    trace_start(api, tracking_exp.iid, trace_id=trace_id)
    path = f"api/2.0/mlflow/traces/{trace_id}/tags"
    assert api.patch(path, {"key": "reviewed", "value": "<b>yes</b>"}).json() == {}
    assert _tags(api, trace_id)["reviewed"] == "<b>yes</b>"
    assert api.patch(path, {"key": "reviewed", "value": "no"}).json() == {}
    assert _tags(api, trace_id)["reviewed"] == "no"
    assert api.delete(path, {"key": "reviewed"}).json() == {}
    assert "reviewed" not in _tags(api, trace_id)
    response = api.delete(path, {"key": "reviewed"})
    assert response.status_code == 404
    assert response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_server_owned_tags_cannot_be_changed(api, tracking_exp):
    trace_id = new_trace_id()
    trace_start(api, tracking_exp.iid, trace_id=trace_id)
    path = f"api/2.0/mlflow/traces/{trace_id}/tags"
    for key in ("mlflow.artifactLocation", "mlflow.trace.spansLocation"):
        response = api.patch(path, {"key": key, "value": "s3://elsewhere"})
        assert response.status_code == 400
        assert response.json()["message"] == f"Tag '{key}' is immutable and cannot be set on a trace."
    assert api.delete(path, {"key": "mlflow.artifactLocation"}).status_code == 400
    assert _tags(api, trace_id)["mlflow.artifactLocation"].startswith("mlflow-artifacts:/")


def test_tag_writes_need_write_access_and_a_known_trace(api, read_api, intruder_api, tracking_exp):
    trace_id = new_trace_id()
    trace_start(api, tracking_exp.iid, trace_id=trace_id)
    path = f"api/2.0/mlflow/traces/{trace_id}/tags"
    assert read_api.patch(path, {"key": "k", "value": "v"}).status_code == 403
    assert intruder_api.patch(path, {"key": "k", "value": "v"}).status_code == 404
    assert api.patch("api/2.0/mlflow/traces/tr-unknown/tags", {"key": "k", "value": "v"}).status_code == 404
    assert not TraceTag.objects.filter(key="k").exists()


def test_bad_tag_input_is_a_400(api, tracking_exp):
    trace_id = new_trace_id()
    trace_start(api, tracking_exp.iid, trace_id=trace_id)
    path = f"api/2.0/mlflow/traces/{trace_id}/tags"
    for body in ({}, {"key": ""}, {"key": 5, "value": "v"}, {"key": "k", "value": 5}, {"key": "k" * 251}):
        response = api.patch(path, body)
        assert response.status_code == 400, body
        assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert api.delete(path, {}).status_code == 400
