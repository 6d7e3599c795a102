"""MLflow 3 logs a model outside a run into experiment 0; a fresh project creates Default on first use for it too."""

import mlflow
import pytest

from experiments.models import Experiment
from tests.packages_registry.helpers import artifacts_dir  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("artifacts_dir")]


class Echo(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input


def test_initialize_logged_model_in_a_fresh_project_creates_default(mlflow_env, tenant):
    assert not Experiment.objects.filter(project=tenant.project, iid=0).exists()
    model = mlflow.initialize_logged_model(name="m")
    assert model.experiment_id == "0"
    assert Experiment.objects.get(project=tenant.project, iid=0).name == "Default"


def test_log_model_outside_a_run_in_a_fresh_project(mlflow_env, mlflow_client, tenant):
    info = mlflow.pyfunc.log_model(name="echo", python_model=Echo(), pip_requirements=["mlflow"])
    assert info.run_id is None and info.model_id.startswith("m-")
    assert [m.model_id for m in mlflow_client.search_logged_models(experiment_ids=["0"])] == [info.model_id]
    assert mlflow_client.get_logged_model(info.model_id).experiment_id == "0"


def test_search_in_a_fresh_project_answers_empty_without_creating(mlflow_client, tenant):
    assert mlflow_client.search_logged_models(experiment_ids=["0"]) == []


def test_other_tenant_default_is_not_used(mlflow_env, tenant, other_tenant):
    from experiments.services import experiment_default_ensure

    experiment_default_ensure(project=other_tenant.project)
    mlflow.initialize_logged_model(name="m")
    assert Experiment.objects.filter(iid=0).count() == 2
