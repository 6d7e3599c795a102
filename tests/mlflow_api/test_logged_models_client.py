"""MLflow 3 `log_model` / `load_model` through the live server: logged models stored as ml_model packages."""

import mlflow
import pytest

from packages_registry.models import IngestionStatus, LoggedModel, LoggedModelOutput, PackageFile, PackageType
from tests.packages_registry.helpers import artifacts_dir  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("artifacts_dir")]


class Doubler(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return [x * 2 for x in model_input]


def test_pyfunc_log_model_and_load_it_back_by_model_and_run_uri(mlflow_env, mlflow_client, tenant):
    experiment_id = mlflow_client.create_experiment("logged-models")
    mlflow.set_experiment(experiment_id=experiment_id)
    with mlflow.start_run() as run:
        info = mlflow.pyfunc.log_model(
            name="model", python_model=Doubler(), pip_requirements=["mlflow"], params={"alpha": "0.5"}
        )
    assert info.model_id.startswith("m-")

    model = mlflow.pyfunc.load_model(info.model_uri)
    assert [float(x) for x in model.predict([1, 2, 3])] == [2.0, 4.0, 6.0]
    by_run = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
    assert [float(x) for x in by_run.predict([5])] == [10.0]

    got = mlflow_client.get_logged_model(info.model_id)
    assert got.status == "READY" and got.name == "model" and got.source_run_id == run.info.run_id
    assert got.artifact_location == f"mlflow-artifacts:/{experiment_id}/models/{info.model_id}/artifacts"
    found = mlflow_client.search_logged_models(experiment_ids=[experiment_id], filter_string="name = 'model'")
    assert [m.model_id for m in found] == [info.model_id]
    assert (
        mlflow_client.search_logged_models(experiment_ids=[experiment_id], filter_string="name = 'other'")
        == []
    )

    stored = LoggedModel.objects.get(project=tenant.project)
    assert stored.package.package_type == PackageType.ML_MODEL
    assert LoggedModelOutput.objects.filter(logged_model=stored, candidate__eid=run.info.run_id).exists()
    mlmodel = PackageFile.objects.get(package=stored.package, path="MLmodel")
    assert mlmodel.ingestion_status == IngestionStatus.READY
    assert "python_function" in mlmodel.metadata["mlmodel"]["flavors"]

    mlflow_client.set_logged_model_tags(info.model_id, {"team": "vision"})
    assert mlflow_client.get_logged_model(info.model_id).tags["team"] == "vision"
    mlflow_client.delete_logged_model_tag(info.model_id, "team")
    assert "team" not in mlflow_client.get_logged_model(info.model_id).tags
    mlflow_client.delete_logged_model(info.model_id)
    assert not LoggedModel.objects.filter(pk=stored.pk).exists()
    assert not PackageFile.objects.filter(package_id=stored.package_id).exists()


def test_metrics_logged_with_a_model_id_are_the_models_metrics(mlflow_env, mlflow_client):
    """As the reference (checked against mlflow server 3.17 on the same script): log_model links the run's
    metrics at its step to the model; log_metric(model_id=..., dataset=...) adds points with their dataset;
    the same point twice is kept once, in the model's metrics and in the run's history."""
    import pandas as pd

    experiment_id = mlflow_client.create_experiment("model-metrics")
    mlflow.set_experiment(experiment_id=experiment_id)
    dataset = mlflow.data.from_pandas(pd.DataFrame({"a": [1, 2]}), name="eval-set")
    with mlflow.start_run() as run:
        mlflow.log_metric("loss", 0.25, step=0, timestamp=1000)
        mlflow.log_metric("loss", 0.125, step=1, timestamp=2000)
        info = mlflow.pyfunc.log_model(name="model", python_model=Doubler(), pip_requirements=["mlflow"])
        for _ in range(2):
            mlflow.log_metric("acc", 0.9, step=1, model_id=info.model_id, dataset=dataset, timestamp=12345)
        mlflow.log_metrics({"f1": 0.5}, step=2, model_id=info.model_id, timestamp=999)

    got = mlflow_client.get_logged_model(info.model_id)
    points = sorted(
        (m.key, m.step, m.value, m.timestamp, m.dataset_name, m.run_id, m.model_id) for m in got.metrics
    )
    run_id = run.info.run_id
    assert points == [
        ("acc", 1, 0.9, 12345, "eval-set", run_id, info.model_id),
        ("f1", 2, 0.5, 999, None, run_id, info.model_id),
        ("loss", 0, 0.25, 1000, None, run_id, info.model_id),  # linked by log_model (its step is 0)
    ]
    assert next(m for m in got.metrics if m.key == "acc").dataset_digest == dataset.digest
    history = mlflow_client.get_metric_history(run_id, "loss")
    assert [(m.step, m.value) for m in history] == [(0, 0.25), (1, 0.125)]  # not doubled by log_model
    assert [m.step for m in mlflow_client.get_metric_history(run_id, "acc")] == [1]
    found = mlflow_client.search_logged_models(experiment_ids=[experiment_id], filter_string="name = 'model'")
    assert sorted(m.key for m in found[0].metrics) == ["acc", "f1", "loss"]

    # Metric filters match any point of the metric; `datasets` narrows them (name, and digest when given), or
    # alone keeps the models with a metric on those datasets. (The reference answers nothing for a dataset
    # given without its digest; Assay matches any digest, as its store intends.)
    def search(filter_string=None, datasets=None):
        return [m.model_id for m in mlflow_client.search_logged_models(
            experiment_ids=[experiment_id], filter_string=filter_string, datasets=datasets)]  # fmt: skip

    assert search("metrics.acc > 0.5") == [info.model_id]
    assert search("metrics.acc < 0.5") == search("metrics.missing > 0") == []
    assert search("metrics.loss = 0.25 AND name = 'model'") == [info.model_id]
    on_eval = [{"dataset_name": "eval-set", "dataset_digest": dataset.digest}]
    assert (
        search("metrics.acc > 0.5", on_eval)
        == search(None, [{"dataset_name": "eval-set"}])
        == [info.model_id]
    )
    assert search("metrics.f1 > 0", on_eval) == search(None, [{"dataset_name": "other"}]) == []


def test_search_orders_models_by_their_latest_metric(mlflow_env, mlflow_client):
    """order_by metrics.<key>: each model's latest point (newest timestamp), on a dataset when named; models
    without the metric last, as the reference orders them (checked against mlflow server 3.17)."""
    import pandas as pd

    experiment_id = mlflow_client.create_experiment("model-order")
    mlflow.set_experiment(experiment_id=experiment_id)
    dataset = mlflow.data.from_pandas(pd.DataFrame({"a": [1, 2]}), name="eval-set")
    ids = []
    for i, points in enumerate(
        [[(0.9, 1, None), (0.2, 2, None)], [(0.5, 1, dataset)], [], [(0.7, 5, dataset)]]
    ):
        with mlflow.start_run():
            info = mlflow.pyfunc.log_model(
                name=f"model{i}", python_model=Doubler(), pip_requirements=["mlflow"]
            )
            ids.append(info.model_id)
            for value, ts, on in points:
                mlflow.log_metric(
                    "acc", value, step=0, timestamp=1000 + ts, model_id=info.model_id, dataset=on
                )

    def order(**item):
        found = mlflow_client.search_logged_models(experiment_ids=[experiment_id], order_by=[item])
        return [ids.index(m.model_id) for m in found]

    assert order(field_name="metrics.acc", ascending=False) == [3, 1, 0, 2]  # model 0's latest is 0.2
    assert order(field_name="metrics.acc", ascending=True) == [0, 1, 3, 2]
    assert order(field_name="metrics.acc", ascending=False, dataset_name="eval-set") == [3, 1, 2, 0]
