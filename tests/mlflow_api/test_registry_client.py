"""The real mlflow client registers a model and loads it back by version, alias and `latest` (live server)."""

import mlflow
import pytest

from model_registry.models import ModelVersion
from packages_registry.models import LoggedModel
from tests.model_registry.factories import artifacts_dir  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("artifacts_dir")]


class Doubler(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return [x * 2 for x in model_input]


def _predict(model, values):
    out = model.predict(values)
    return [float(x) for x in (out.tolist() if hasattr(out, "tolist") else list(out))]


def test_log_model_registers_and_loads_by_version_alias_and_latest(mlflow_client, tenant):
    mlflow.set_experiment("registry-client")
    with mlflow.start_run() as run:
        info = mlflow.pyfunc.log_model(
            name="model", python_model=Doubler(), pip_requirements=["mlflow"], registered_model_name="doubler"
        )
    mv = mlflow_client.get_model_version("doubler", "1")
    assert mv.status == "READY" and mv.run_id == run.info.run_id == info.run_id
    # (the client's ModelVersion.from_proto drops model_id, so it is checked on the row below)

    # The version references the logged model's files and records the candidate that produced them.
    version = ModelVersion.objects.select_related("candidate", "package").get(model__name="doubler")
    logged = LoggedModel.objects.get(package=version.package)
    assert logged.model_id == info.model_id == version.logged_model_id
    assert version.candidate.eid_hex == run.info.run_id
    assert version.semver == "1.0.0"

    assert _predict(mlflow.pyfunc.load_model("models:/doubler/1"), [21]) == [42.0]

    # A second version through register_model, then an alias on the first one.
    v2 = mlflow.register_model(info.model_uri, "doubler")
    assert v2.version == "2"
    mlflow_client.set_registered_model_alias("doubler", "champion", "1")
    assert mlflow_client.get_model_version_by_alias("doubler", "champion").version == "1"
    assert _predict(mlflow.pyfunc.load_model("models:/doubler@champion"), [1, 2]) == [2.0, 4.0]
    assert _predict(mlflow.pyfunc.load_model("models:/doubler/latest"), [5]) == [10.0]

    rm = mlflow_client.get_registered_model("doubler")
    assert rm.aliases == {"champion": "1"} and [v.version for v in rm.latest_versions] == ["2"]
    found = mlflow_client.search_registered_models(filter_string="name LIKE 'doub%'")
    assert [m.name for m in found] == ["doubler"]

    mlflow_client.delete_registered_model("doubler")
    assert mlflow_client.search_model_versions("name = 'doubler'") == []
    # The logged model and the run outlive the registered model.
    assert mlflow.pyfunc.load_model(info.model_uri) is not None
