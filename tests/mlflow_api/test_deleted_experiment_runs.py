"""Deleting an experiment deletes its runs, restoring it restores them (MLflow's SqlAlchemyStore.delete_experiment /
restore_experiment), so logging to a run of a deleted experiment is refused like logging to a deleted run."""

import mlflow
import pytest
from mlflow.exceptions import MlflowException

from candidates.models import Candidate, CandidateMetric, CandidateParam
from candidates.services import candidate_create
from experiments.models import Lifecycle

R = "api/2.0/mlflow/runs/"
E = "api/2.0/mlflow/experiments/"


def _writes(run_id: str) -> list[tuple[str, dict]]:
    return [
        ("log-metric", {"run_id": run_id, "key": "m", "value": 1, "timestamp": 1}),
        ("log-parameter", {"run_id": run_id, "key": "p", "value": "1"}),
        ("set-tag", {"run_id": run_id, "key": "t", "value": "1"}),
        ("log-batch", {"run_id": run_id, "metrics": [{"key": "m", "value": 2, "timestamp": 2, "step": 0}]}),
        ("log-batch", {"run_id": run_id, "params": [{"key": "q", "value": "2"}]}),
        ("update", {"run_id": run_id, "status": "FINISHED"}),
    ]


def test_logging_to_a_run_of_a_deleted_experiment_is_refused(api, read_api, tracking_run, tracking_exp):
    run_id = tracking_run.eid_hex
    assert api.post(E + "delete", {"experiment_id": str(tracking_exp.iid)}).json() == {}
    assert read_api.get(R + "get", {"run_id": run_id}).json()["run"]["info"]["lifecycle_stage"] == "deleted"
    for endpoint, body in _writes(run_id):
        response = api.post(R + endpoint, body)
        assert response.status_code == 400, endpoint
        error = response.json()
        assert error["error_code"] == "INVALID_PARAMETER_VALUE", endpoint
        assert (
            error["message"] == f"The run {run_id} must be in the 'active' state. Current state is deleted."
        )
    assert not CandidateMetric.objects.filter(candidate=tracking_run).exists()
    assert not CandidateParam.objects.filter(candidate=tracking_run).exists()


def test_restoring_the_experiment_restores_all_its_runs(api, read_api, tracking_run, tracking_exp, tenant):
    # As the reference: restore_experiment marks every run of the experiment active, also one deleted on its own.
    other = candidate_create(experiment=tracking_exp, user=tenant.developer, name="run-2")
    api.post(R + "delete", {"run_id": other.eid_hex})
    api.post(E + "delete", {"experiment_id": str(tracking_exp.iid)})
    assert set(Candidate.objects.filter(experiment=tracking_exp).values_list("lifecycle", flat=True)) == {
        Lifecycle.DELETED
    }
    assert api.post(E + "restore", {"experiment_id": str(tracking_exp.iid)}).json() == {}
    assert set(Candidate.objects.filter(experiment=tracking_exp).values_list("lifecycle", flat=True)) == {
        Lifecycle.ACTIVE
    }
    for endpoint, body in _writes(tracking_run.eid_hex):
        assert api.post(R + endpoint, body).json() == {} or endpoint == "update", endpoint
    assert CandidateMetric.objects.filter(candidate=tracking_run).count() == 2


def test_deleted_experiment_hides_its_runs_from_active_search(api, read_api, tracking_run, tracking_exp):
    api.post(E + "delete", {"experiment_id": str(tracking_exp.iid)})
    body = {"experiment_ids": [str(tracking_exp.iid)]}
    assert read_api.post(R + "search", body).json().get("runs", []) == []
    deleted = read_api.post(R + "search", {**body, "run_view_type": "DELETED_ONLY"}).json()["runs"]
    assert [r["info"]["run_id"] for r in deleted] == [tracking_run.eid_hex]


@pytest.mark.django_db(transaction=True)
def test_the_mlflow_client_cannot_log_to_a_run_of_a_deleted_experiment(mlflow_client):
    experiment_id = mlflow_client.create_experiment("doomed")
    run = mlflow_client.create_run(experiment_id)
    mlflow_client.log_metric(run.info.run_id, "m", 1.0)
    mlflow_client.delete_experiment(experiment_id)
    assert mlflow_client.get_run(run.info.run_id).info.lifecycle_stage == "deleted"
    with pytest.raises(MlflowException, match="must be in the 'active' state") as raised:
        mlflow_client.log_metric(run.info.run_id, "m", 2.0)
    assert raised.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException, match="must be in the 'active' state"):
        mlflow_client.log_param(run.info.run_id, "p", "x")
    mlflow_client.restore_experiment(experiment_id)
    mlflow_client.log_metric(run.info.run_id, "m", 3.0)
    assert [m.value for m in mlflow_client.get_metric_history(run.info.run_id, "m")] == [1.0, 3.0]
    assert mlflow.get_run(run.info.run_id).info.lifecycle_stage == "active"
