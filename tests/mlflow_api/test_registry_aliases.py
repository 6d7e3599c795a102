"""registered-models/alias: set (POST), get (GET), delete (DELETE)."""

import pytest

from tests.model_registry.factories import make_candidate

ALIAS = "api/2.0/mlflow/registered-models/alias"


@pytest.fixture
def two_versions(api, tenant):
    run = make_candidate(tenant.project)
    api.post("api/2.0/mlflow/registered-models/create", {"name": "m"})
    for _ in range(2):
        api.post("api/2.0/mlflow/model-versions/create", {"name": "m", "source": f"runs:/{run.eid_hex}/x"})


def test_set_get_move_and_delete_alias(api, two_versions):
    assert api.post(ALIAS, {"name": "m", "alias": "champion", "version": "1"}).json() == {}
    api.post(ALIAS, {"name": "m", "alias": "challenger", "version": "2"})
    assert api.get(ALIAS, {"name": "m", "alias": "champion"}).json()["model_version"]["version"] == "1"
    model = api.get("api/2.0/mlflow/registered-models/get", {"name": "m"}).json()["registered_model"]
    assert model["aliases"] == [
        {"alias": "challenger", "version": "2"},
        {"alias": "champion", "version": "1"},
    ]
    v2 = api.get("api/2.0/mlflow/model-versions/get", {"name": "m", "version": "2"}).json()["model_version"]
    assert v2["aliases"] == ["challenger"]
    api.post(ALIAS, {"name": "m", "alias": "champion", "version": "2"})
    assert api.get(ALIAS, {"name": "m", "alias": "champion"}).json()["model_version"]["version"] == "2"
    assert api.delete(ALIAS, {"name": "m", "alias": "challenger"}).json() == {}
    model = api.get("api/2.0/mlflow/registered-models/get", {"name": "m"}).json()["registered_model"]
    assert model["aliases"] == [{"alias": "champion", "version": "2"}]


@pytest.mark.smoke
def test_missing_alias_is_invalid_parameter_value_like_the_reference(api, two_versions):
    response = api.get(ALIAS, {"name": "m", "alias": "nope"})
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_alias_to_missing_version_is_resource_does_not_exist(api, two_versions):
    response = api.post(ALIAS, {"name": "m", "alias": "x", "version": "7"})
    assert response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


@pytest.mark.parametrize("alias", ["latest", "v3", "with space", ""])
def test_reserved_or_malformed_alias_is_refused(api, two_versions, alias):
    response = api.post(ALIAS, {"name": "m", "alias": alias, "version": "1"})
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_deleting_a_version_drops_its_aliases(api, two_versions):
    api.post(ALIAS, {"name": "m", "alias": "champion", "version": "1"})
    api.delete("api/2.0/mlflow/model-versions/delete", {"name": "m", "version": "1"})
    assert (
        api.get(ALIAS, {"name": "m", "alias": "champion"}).json()["error_code"] == "INVALID_PARAMETER_VALUE"
    )
