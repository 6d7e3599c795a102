"""The real mlflow client (fluent API and MlflowClient) against the live server: every tracking endpoint end to
end, 8 concurrent writers through HTTP, and a duplicate experiment name created twice at once."""

import math
import threading

import mlflow
import pytest
from mlflow.entities import Metric, Param, RunTag, ViewType
from mlflow.exceptions import MlflowException

from candidates.models import Candidate, CandidateInput, CandidateMetric
from experiments.models import Experiment

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_fluent_and_client_cover_the_tracking_api(mlflow_client, tenant):
    client = mlflow_client
    experiment = mlflow.set_experiment("live-exp")
    assert mlflow.set_experiment("live-exp").experiment_id == experiment.experiment_id
    mlflow.set_experiment_tags({"team": "vision"})
    with mlflow.start_run(run_name="fluent") as run:
        mlflow.log_param("lr", 0.01)
        mlflow.log_params({"epochs": 3, "opt": "adam"})
        for step in range(3):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.log_metrics({"acc": 0.9, "nan": float("nan")})
        mlflow.set_tags({"a": "1", "b": "2"})
        mlflow.log_input(mlflow.data.from_numpy(__import__("numpy").arange(3), name="ds"), context="training")
    run_id = run.info.run_id

    got = client.get_run(run_id)
    assert got.info.run_name == "fluent" and got.info.status == "FINISHED" and got.info.end_time
    assert got.data.params == {"lr": "0.01", "epochs": "3", "opt": "adam"}
    assert got.data.metrics["loss"] == pytest.approx(1 / 3) and math.isnan(got.data.metrics["nan"])
    assert got.data.tags["a"] == "1" and got.data.tags["mlflow.runName"] == "fluent"
    assert got.inputs.dataset_inputs[0].dataset.name == "ds"
    assert [(m.step, m.value) for m in client.get_metric_history(run_id, "loss")] == [
        (0, 1.0),
        (1, 0.5),
        (2, 1 / 3),
    ]
    assert client.get_experiment(experiment.experiment_id).tags["team"] == "vision"

    with pytest.raises(MlflowException) as exc:
        client.log_param(run_id, "lr", "0.02")
    assert exc.value.error_code == "INVALID_PARAMETER_VALUE"
    client.log_batch(
        run_id,
        metrics=[Metric(f"m{i}", float(i), 1, 0) for i in range(1500)],
        params=[Param(f"p{i}", str(i)) for i in range(150)],
        tags=[RunTag(f"t{i}", str(i)) for i in range(150)],
    )
    assert len(client.get_run(run_id).data.metrics) == 1503
    client.set_tag(run_id, "mlflow.runName", "renamed")
    client.delete_tag(run_id, "a")
    client.update_run(run_id, status="KILLED")
    final = client.get_run(run_id)
    assert final.info.run_name == "renamed" and final.info.status == "KILLED" and "a" not in final.data.tags

    other = client.create_run(experiment.experiment_id, run_name="second", tags={"k": "v"})
    client.log_metric(other.info.run_id, "loss", 5.0)
    found = client.search_runs([experiment.experiment_id], "metrics.loss > 1", order_by=["metrics.loss DESC"])
    assert [r.info.run_name for r in found] == ["second"]
    client.delete_run(other.info.run_id)
    assert [r.info.run_id for r in client.search_runs([experiment.experiment_id])] == [run_id]
    deleted = client.search_runs([experiment.experiment_id], run_view_type=ViewType.DELETED_ONLY)
    assert [r.info.run_id for r in deleted] == [other.info.run_id]
    with pytest.raises(MlflowException) as exc:
        client.log_metric(other.info.run_id, "m", 1.0)
    assert exc.value.error_code == "INVALID_PARAMETER_VALUE"
    client.restore_run(other.info.run_id)

    client.rename_experiment(experiment.experiment_id, "live-renamed")
    assert client.get_experiment_by_name("live-renamed").experiment_id == experiment.experiment_id
    assert client.get_experiment_by_name("live-exp") is None
    assert [e.name for e in client.search_experiments(filter_string="name LIKE 'live-%'")] == ["live-renamed"]
    client.delete_experiment(experiment.experiment_id)
    assert client.get_experiment(experiment.experiment_id).lifecycle_stage == "deleted"
    client.restore_experiment(experiment.experiment_id)
    with pytest.raises(MlflowException) as exc:
        client.search_runs([experiment.experiment_id], "metrics.loss >>> 1")
    assert exc.value.error_code == "INVALID_PARAMETER_VALUE"
    assert CandidateInput.objects.filter(candidate__eid=run.info.run_id).count() == 1


def test_eight_clients_at_once_lose_nothing(mlflow_client, tenant):
    experiment_id = mlflow_client.create_experiment("concurrent")
    run_id = mlflow_client.create_run(experiment_id).info.run_id
    errors = []

    def writer(index):
        try:
            for batch in range(5):
                metrics = [
                    Metric("loss", float(index), 1000 + batch, index * 100 + batch * 10 + j)
                    for j in range(10)
                ]
                mlflow_client.log_batch(run_id, metrics=metrics, params=[Param(f"w{index}-{batch}", "v")])
                mlflow_client.log_metric(run_id, f"single{index}", float(batch), step=batch)
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(mlflow_client.get_metric_history(run_id, "loss")) == 8 * 5 * 10
    run = mlflow_client.get_run(run_id)
    assert len(run.data.params) == 40 and run.data.metrics["loss"] == 7.0
    assert all(run.data.metrics[f"single{i}"] == 4.0 for i in range(8))
    assert CandidateMetric.objects.filter(candidate__eid=run_id).count() == 8 * 5 * 11


def test_same_experiment_name_twice_at_once(mlflow_client, tenant):
    results, barrier = [], threading.Barrier(2)

    def create():
        barrier.wait()
        try:
            results.append(mlflow_client.create_experiment("twice"))
        except MlflowException as exc:
            results.append(exc.error_code)

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2 and results.count("RESOURCE_ALREADY_EXISTS") == 1
    assert Experiment.objects.filter(project=tenant.project, name="twice").count() == 1
    runs = [
        mlflow_client.create_run(mlflow_client.get_experiment_by_name("twice").experiment_id)
        for _ in range(3)
    ]
    assert sorted(
        Candidate.objects.filter(eid__in=[r.info.run_id for r in runs]).values_list("iid", flat=True)
    ) == [
        1,
        2,
        3,
    ]
