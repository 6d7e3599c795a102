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
        info = mlflow.pyfunc.log_model(name="model", python_model=Doubler(), pip_requirements=["mlflow"],
                                       params={"alpha": "0.5"})
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
    assert mlflow_client.search_logged_models(experiment_ids=[experiment_id], filter_string="name = 'other'") == []

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
