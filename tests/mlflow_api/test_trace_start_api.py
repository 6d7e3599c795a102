"""`POST api/3.0/mlflow/traces` (StartTraceV3): the trace's info is stored and answered with the artifact location
the client uploads the spans to, as the reference's SqlAlchemyStore.start_trace does."""

import pytest

from experiments.services import experiment_delete
from traces.models import Trace

from .trace_bodies import T, new_trace_id, trace_info_body, trace_start


def test_start_trace_stores_the_info_and_answers_it_with_the_artifact_location(api, tracking_exp):
    trace_id = new_trace_id()
    response = trace_start(api, tracking_exp.iid, trace_id=trace_id, client_request_id="req-1")
    assert response.status_code == 200, response.content
    info = response.json()["trace"]["trace_info"]
    assert info["trace_id"] == trace_id
    assert info["trace_location"] == {
        "type": "MLFLOW_EXPERIMENT",
        "mlflow_experiment": {"experiment_id": str(tracking_exp.iid)},
    }
    assert info["request_time"] == "2026-12-02T14:33:20.123Z"
    assert info["execution_duration"] == "0.045s"
    assert info["state"] == "OK"
    assert info["request_preview"] == '{"a": 1, "b": 2}'
    assert info["response_preview"] == "3"
    assert info["client_request_id"] == "req-1"
    assert info["trace_metadata"] == {"mlflow.trace_schema.version": "3", "mlflow.user": "dev"}
    assert info["tags"] == {
        "mlflow.traceName": "add",
        "mlflow.artifactLocation": f"mlflow-artifacts:/{tracking_exp.iid}/traces/{trace_id}/artifacts",
    }
    trace = Trace.objects.get(trace_id=trace_id)
    assert trace.experiment == tracking_exp
    assert trace.request_time == 1796222000123
    assert trace.execution_duration == 45


def test_the_artifact_location_is_the_servers_whatever_the_client_sends(api, tracking_exp):
    body = trace_info_body(tracking_exp.iid, tags={"mlflow.artifactLocation": "s3://elsewhere", "k": "v"})
    info = api.post(T, body).json()["trace"]["trace_info"]
    trace_id = info["trace_id"]
    assert (
        info["tags"]["mlflow.artifactLocation"]
        == f"mlflow-artifacts:/{tracking_exp.iid}/traces/{trace_id}/artifacts"
    )
    assert info["tags"]["k"] == "v"


def test_the_same_trace_sent_again_is_stored_once(api, tracking_exp):
    trace_id = new_trace_id()
    assert trace_start(api, tracking_exp.iid, trace_id=trace_id).status_code == 200
    again = trace_start(api, tracking_exp.iid, trace_id=trace_id, tags={"retry": "1"})
    assert again.status_code == 200
    assert again.json()["trace"]["trace_info"]["tags"]["retry"] == "1"
    assert Trace.objects.filter(trace_id=trace_id).count() == 1


def test_the_2_0_path_answers_the_same(api, tracking_exp):
    response = api.post("api/2.0/mlflow/traces", trace_info_body(tracking_exp.iid))
    assert response.status_code == 200
    assert "mlflow.artifactLocation" in response.json()["trace"]["trace_info"]["tags"]


def test_read_token_cannot_create_and_other_project_cannot_see(
    read_api, intruder_api, anon_api, tracking_exp
):
    for caller, status, code in (
        (read_api, 403, "PERMISSION_DENIED"),
        (intruder_api, 404, "RESOURCE_DOES_NOT_EXIST"),
        (anon_api, 401, "UNAUTHENTICATED"),
    ):
        response = trace_start(caller, tracking_exp.iid)
        assert (response.status_code, response.json()["error_code"]) == (status, code)
    assert not Trace.objects.exists()


def test_experiment_0_is_the_default_experiment_created_on_first_use(api, tenant):
    response = trace_start(api, 0)
    assert response.status_code == 200
    assert Trace.objects.get().experiment.name == "Default"


def test_unknown_experiment_is_not_found(api):
    response = trace_start(api, 987)
    assert response.status_code == 404
    assert response.json() == {
        "error_code": "RESOURCE_DOES_NOT_EXIST",
        "message": "No Experiment with id=987 exists",
    }


def test_a_deleted_experiment_takes_no_new_traces_as_it_takes_no_new_runs(api, tracking_exp):
    experiment_delete(experiment=tracking_exp)
    response = trace_start(api, tracking_exp.iid)
    assert response.status_code == 400
    assert response.json()["message"] == (
        f"The experiment {tracking_exp.iid} must be in the 'active' state. Current state is deleted."
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"trace": None},
        {"trace": "x"},
        {"trace": {}},
        {"trace": {"trace_info": []}},
        trace_info_body(1, trace_id=""),
        trace_info_body(1, trace_id=7),
        trace_info_body(1, trace_id="../../etc"),
        trace_info_body(1, trace_id="tr-" + "a" * 100),
        trace_info_body(1, trace_location=None),
        trace_info_body(1, trace_location={"type": "MLFLOW_EXPERIMENT"}),
        trace_info_body(1, trace_location={"mlflow_experiment": {"experiment_id": "x1"}}),
        trace_info_body(1, trace_location={"mlflow_experiment": {"experiment_id": 1.5}}),
        trace_info_body(1, request_time="yesterday"),
        trace_info_body(1, request_time=12),
        trace_info_body(1, request_time="99999-01-01T00:00:00Z"),
        trace_info_body(1, execution_duration="fast"),
        trace_info_body(1, execution_duration="1e400s"),
        trace_info_body(1, state="DONE"),
        trace_info_body(1, tags=["a"]),
        trace_info_body(1, tags={"k": 1}),
        trace_info_body(1, tags={"": "v"}),
        trace_info_body(1, tags={"k" * 251: "v"}),
        trace_info_body(1, trace_metadata={"k": None}),
        trace_info_body(1, request_preview=["x"]),
        trace_info_body(1, client_request_id={"a": 1}),
    ],
)
def test_bad_input_is_a_400_in_mlflow_json(api, tracking_exp, body):
    assert tracking_exp.iid == 1
    response = api.post(T, body)
    assert response.status_code == 400, response.content
    assert response.json()["error_code"] in ("INVALID_PARAMETER_VALUE", "MALFORMED_REQUEST")
    assert not Trace.objects.exists()


def test_timestamps_in_other_rfc3339_forms_are_read(api, tracking_exp):
    for sent, stored in (
        ("2026-12-02T14:33:20Z", 1796222000000),
        ("2026-12-02T14:33:20.123456789Z", 1796222000123),
        ("2026-12-02T15:33:20.5+01:00", 1796222000500),
    ):
        info = trace_start(api, tracking_exp.iid, request_time=sent, execution_duration="2s").json()
        trace = Trace.objects.get(trace_id=info["trace"]["trace_info"]["trace_id"])
        assert (trace.request_time, trace.execution_duration) == (stored, 2000)
