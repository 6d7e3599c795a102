"""Every registry endpoint under the API's auth rules: no token 401, other tenant 404, read-only token 403."""

import pytest

from model_registry.models import Model, ModelVersion
from tests.conftest import Api
from tests.model_registry.factories import make_candidate

READS = [
    ("get", "api/2.0/mlflow/registered-models/get", {"name": "m"}),
    ("get", "api/2.0/mlflow/registered-models/search", {}),
    ("post", "api/2.0/mlflow/registered-models/get-latest-versions", {"name": "m"}),
    ("get", "api/2.0/mlflow/registered-models/alias", {"name": "m", "alias": "champion"}),
    ("get", "api/2.0/mlflow/model-versions/get", {"name": "m", "version": "1"}),
    ("get", "api/2.0/mlflow/model-versions/search", {}),
    ("get", "api/2.0/mlflow/model-versions/get-download-uri", {"name": "m", "version": "1"}),
]
WRITES = [
    ("post", "api/2.0/mlflow/registered-models/create", {"name": "new"}),
    ("post", "api/2.0/mlflow/registered-models/rename", {"name": "m", "new_name": "n"}),
    ("patch", "api/2.0/mlflow/registered-models/update", {"name": "m", "description": "x"}),
    ("delete", "api/2.0/mlflow/registered-models/delete", {"name": "m"}),
    ("post", "api/2.0/mlflow/registered-models/set-tag", {"name": "m", "key": "k", "value": "v"}),
    ("delete", "api/2.0/mlflow/registered-models/delete-tag", {"name": "m", "key": "t"}),
    ("post", "api/2.0/mlflow/registered-models/alias", {"name": "m", "alias": "other", "version": "1"}),
    ("delete", "api/2.0/mlflow/registered-models/alias", {"name": "m", "alias": "champion"}),
    ("post", "api/2.0/mlflow/model-versions/create", {"name": "m", "source": "s3://b/x"}),
    ("patch", "api/2.0/mlflow/model-versions/update", {"name": "m", "version": "1", "description": "x"}),
    ("delete", "api/2.0/mlflow/model-versions/delete", {"name": "m", "version": "1"}),
    (
        "post",
        "api/2.0/mlflow/model-versions/transition-stage",
        {"name": "m", "version": "1", "stage": "Staging"},
    ),
    (
        "post",
        "api/2.0/mlflow/model-versions/set-tag",
        {"name": "m", "version": "1", "key": "k", "value": "v"},
    ),
    ("delete", "api/2.0/mlflow/model-versions/delete-tag", {"name": "m", "version": "1", "key": "t"}),
]


@pytest.fixture
def registered(api, tenant):
    run = make_candidate(tenant.project)
    api.post("api/2.0/mlflow/registered-models/create", {"name": "m", "tags": [{"key": "t", "value": "1"}]})
    api.post(
        "api/2.0/mlflow/model-versions/create",
        {"name": "m", "source": f"runs:/{run.eid_hex}/x", "tags": [{"key": "t", "value": "1"}]},
    )
    api.post("api/2.0/mlflow/registered-models/alias", {"name": "m", "alias": "champion", "version": "1"})


def _state():
    version = ModelVersion.objects.select_related("model").get()
    return (
        list(Model.objects.values_list("name", "description", "updated_at")),
        version.description,
        version.stage,
        sorted(version.metadata.values_list("name", "value")),
        sorted(version.model.metadata.values_list("name", "value")),
        sorted(version.aliases.values_list("name", flat=True)),
        ModelVersion.objects.count(),
    )


@pytest.mark.parametrize("method,path,params", READS + WRITES)
def test_without_token_is_401_and_changes_nothing(client, tenant, registered, method, path, params):
    before = _state()
    response = getattr(Api(client, tenant.project, None), method)(path, params)
    assert response.status_code == 401
    assert response.json()["error_code"] == "UNAUTHENTICATED"
    assert _state() == before


@pytest.mark.parametrize("method,path,params", READS + WRITES)
def test_other_tenant_token_is_404_and_changes_nothing(
    client, tenant, other_tenant, registered, method, path, params
):
    before = _state()
    response = getattr(Api(client, tenant.project, other_tenant.owner_token), method)(path, params)
    assert response.status_code == 404
    assert _state() == before


@pytest.mark.parametrize("method,path,params", WRITES)
def test_read_only_token_cannot_write(read_api, registered, method, path, params):
    before = _state()
    response = getattr(read_api, method)(path, params)
    assert response.status_code == 403
    assert response.json()["error_code"] == "PERMISSION_DENIED"
    assert _state() == before


@pytest.mark.parametrize("method,path,params", READS)
def test_read_only_token_can_read(read_api, registered, method, path, params):
    assert getattr(read_api, method)(path, params).status_code == 200


def test_other_tenant_sees_none_of_our_models_in_its_own_project(client, other_tenant, registered):
    theirs = Api(client, other_tenant.project, other_tenant.owner_token)
    assert theirs.get("api/2.0/mlflow/registered-models/search").json() == {"registered_models": []}
    assert theirs.get("api/2.0/mlflow/model-versions/search").json() == {"model_versions": []}
    assert theirs.get("api/2.0/mlflow/registered-models/get", {"name": "m"}).status_code == 404
    # the same name is free in another project
    assert theirs.post("api/2.0/mlflow/registered-models/create", {"name": "m"}).status_code == 200


def test_wrong_method_is_refused(api, registered):
    response = api.get("api/2.0/mlflow/registered-models/create", {"name": "x"})
    assert response.status_code == 405
    assert not Model.objects.filter(name="x").exists()
