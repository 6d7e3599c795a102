"""runs/create, get, update, delete, restore: MLflow JSON, constant query count, refusals, tenant isolation."""

import pytest

from candidates.models import Candidate, CandidateMetadata
from candidates.services import candidate_log_batch

pytestmark = [pytest.mark.django_db]
R = "api/2.0/mlflow/runs/"


@pytest.mark.smoke
def test_create_run_returns_the_run(api, tracking_exp):
    body = api.post(
        R + "create",
        {
            "experiment_id": str(tracking_exp.iid),
            "start_time": 1700000000000,
            "run_name": "first",
            "user_id": "alice",
            "tags": [{"key": "k", "value": "v"}],
        },
    ).json()["run"]
    info = body["info"]
    candidate = Candidate.objects.get()
    assert info["run_id"] == info["run_uuid"] == candidate.eid.hex
    assert info["run_name"] == "first" and info["experiment_id"] == str(tracking_exp.iid)
    assert info["status"] == "RUNNING" and info["start_time"] == 1700000000000 and "end_time" not in info
    assert info["user_id"] == "alice" and info["lifecycle_stage"] == "active"
    assert info["artifact_uri"] == f"mlflow-artifacts:/{tracking_exp.iid}/{candidate.eid.hex}/artifacts"
    tags = {t["key"]: t["value"] for t in body["data"]["tags"]}
    assert tags == {"k": "v", "mlflow.runName": "first"}


def test_create_run_without_experiment_uses_default(api):
    info = api.post(R + "create", {}).json()["run"]["info"]
    assert info["experiment_id"] == "0" and info["run_name"]


def test_get_run_has_data_in_constant_queries(read_api, tracking_run, assert_query_count):
    candidate_log_batch(
        candidate=tracking_run,
        metrics=[(f"m{i}", float(i), 10, i) for i in range(50)],
        params=[(f"p{i}", str(i)) for i in range(50)],
        tags=[(f"t{i}", str(i)) for i in range(50)],
    )
    # auth 1 + last-used stamp 1 + run with its data 1
    with assert_query_count("get_run_with_150_values"):
        body = read_api.get(R + "get", {"run_id": tracking_run.eid_hex}).json()["run"]
    assert len(body["data"]["metrics"]) == 50 and len(body["data"]["params"]) == 50
    assert {"key": "m7", "value": 7.0, "timestamp": 10, "step": 7} in body["data"]["metrics"]
    assert body["inputs"] == {"dataset_inputs": []}
    legacy = read_api.get(R + "get", {"run_uuid": tracking_run.eid_hex}).json()["run"]
    assert legacy["info"]["run_id"] == tracking_run.eid_hex


def test_missing_run_is_404(read_api, tracking_run):
    for run_id in ("0" * 32, "not-a-run"):
        response = read_api.get(R + "get", {"run_id": run_id})
        assert response.status_code == 404 and response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    assert read_api.get(R + "get").json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_update_delete_restore(api, read_api, tracking_run):
    run_id = tracking_run.eid_hex
    info = api.post(
        R + "update", {"run_id": run_id, "status": "KILLED", "end_time": 5, "run_name": "new"}
    ).json()
    assert info["run_info"]["status"] == "KILLED" and info["run_info"]["end_time"] == 5
    assert info["run_info"]["run_name"] == "new"
    assert CandidateMetadata.objects.get(candidate=tracking_run, name="mlflow.runName").value == "new"
    assert api.post(R + "update", {"run_id": run_id, "status": "BOGUS"}).json()["error_code"] == (
        "INVALID_PARAMETER_VALUE"
    )
    assert api.post(R + "delete", {"run_id": run_id}).json() == {}
    assert read_api.get(R + "get", {"run_id": run_id}).json()["run"]["info"]["lifecycle_stage"] == "deleted"
    assert api.post(R + "restore", {"run_id": run_id}).json() == {}
    assert read_api.get(R + "get", {"run_id": run_id}).json()["run"]["info"]["lifecycle_stage"] == "active"


def test_create_in_deleted_experiment_is_refused(api, tracking_exp):
    api.post("api/2.0/mlflow/experiments/delete", {"experiment_id": str(tracking_exp.iid)})
    response = api.post(R + "create", {"experiment_id": str(tracking_exp.iid)})
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert not Candidate.objects.exists()


def test_refusals_write_nothing(read_api, anon_api, intruder_api, tracking_run, tracking_exp):
    run_id = tracking_run.eid_hex
    assert read_api.post(R + "create", {"experiment_id": str(tracking_exp.iid)}).status_code == 403
    assert read_api.post(R + "update", {"run_id": run_id, "status": "FAILED"}).status_code == 403
    assert anon_api.get(R + "get", {"run_id": run_id}).status_code == 401
    assert anon_api.post(R + "delete", {"run_id": run_id}).status_code == 401
    for response in (
        intruder_api.get(R + "get", {"run_id": run_id}),
        intruder_api.post(R + "create", {"experiment_id": str(tracking_exp.iid)}),
        intruder_api.post(R + "delete", {"run_id": run_id}),
    ):
        assert response.status_code == 404
    tracking_run.refresh_from_db()
    assert (tracking_run.status, tracking_run.lifecycle) == ("RUNNING", "active")
    assert Candidate.objects.count() == 1


def test_run_ids_of_another_project_are_not_found(api, other_tenant):
    from candidates.services import candidate_create
    from experiments.services import experiment_create

    foreign = candidate_create(experiment=experiment_create(project=other_tenant.project, name="theirs"))
    response = api.get(R + "get", {"run_id": foreign.eid_hex})
    assert response.status_code == 404
    assert (
        api.post(R + "log-parameter", {"run_id": foreign.eid_hex, "key": "x", "value": "1"}).status_code
        == 404
    )
    assert not foreign.params.exists()
