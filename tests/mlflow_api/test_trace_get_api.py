"""`GET api/3.0/mlflow/traces/<trace id>` (GetTraceInfoV3): one trace's info, through the caller's project only."""

from .trace_bodies import new_trace_id, trace_start


def test_get_trace_info_answers_what_start_trace_stored(api, read_api, tracking_exp):
    trace_id = new_trace_id()
    created = trace_start(api, tracking_exp.iid, trace_id=trace_id).json()
    for version in ("2.0", "3.0"):
        response = read_api.get(f"api/{version}/mlflow/traces/{trace_id}")
        assert response.status_code == 200
        assert response.json() == created


def test_an_unknown_trace_is_resource_does_not_exist(read_api):
    response = read_api.get("api/3.0/mlflow/traces/tr-0123456789abcdef0123456789abcdef")
    assert response.status_code == 404
    assert response.json() == {
        "error_code": "RESOURCE_DOES_NOT_EXIST",
        "message": "Trace with ID 'tr-0123456789abcdef0123456789abcdef' not found.",
    }


def test_another_projects_token_cannot_read_a_trace(api, intruder_api, client, other_tenant, tracking_exp):
    from tests.conftest import Api

    trace_id = new_trace_id()
    trace_start(api, tracking_exp.iid, trace_id=trace_id)
    assert intruder_api.get(f"api/3.0/mlflow/traces/{trace_id}").status_code == 404
    # ... nor through its own project, where the id is unknown.
    own = Api(client, other_tenant.project, other_tenant.owner_token)
    response = own.get(f"api/3.0/mlflow/traces/{trace_id}")
    assert (response.status_code, response.json()["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")


def test_a_trace_of_a_deleted_experiment_is_still_readable_as_its_runs_are(api, tracking_exp):
    from experiments.services import experiment_delete

    trace_id = new_trace_id()
    trace_start(api, tracking_exp.iid, trace_id=trace_id)
    experiment_delete(experiment=tracking_exp)
    assert api.get(f"api/3.0/mlflow/traces/{trace_id}").status_code == 200


def test_the_full_trace_endpoint_is_left_to_the_artifact_path(read_api):
    # The client calls `traces/get` only for traces whose spans live in the tracking store (a tag Assay never
    # sets); the reference's older servers answer this very message, which the client reads as "not supported".
    response = read_api.get("api/3.0/mlflow/traces/get", {"trace_id": "tr-1"})
    assert response.status_code == 404
    assert response.json()["message"] == "Trace with ID 'get' not found."
