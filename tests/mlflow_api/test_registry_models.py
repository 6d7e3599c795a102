"""registered-models/*: create, get, rename, update, delete, tags, latest versions."""

import pytest

from experiments.models import Experiment
from model_registry.models import Model, ModelVersion
from tests.model_registry.factories import make_candidate


def _create(api, name, **extra):
    return api.post("api/2.0/mlflow/registered-models/create", {"name": name, **extra})


@pytest.mark.smoke
def test_create_returns_model_with_tags_and_description_and_makes_its_experiment(api, tenant):
    response = _create(api, "fraud", description="first", tags=[{"key": "team", "value": "a"}])
    assert response.status_code == 200
    body = response.json()["registered_model"]
    assert body["name"] == "fraud" and body["description"] == "first"
    assert body["tags"] == [{"key": "team", "value": "a"}]
    assert body["latest_versions"] == [] and body["aliases"] == []
    assert isinstance(body["creation_timestamp"], int)
    model = Model.objects.get(project=tenant.project, name="fraud")
    assert model.experiment.name == "[model]fraud"


@pytest.mark.smoke
def test_create_duplicate_is_resource_already_exists(api):
    _create(api, "fraud")
    response = _create(api, "fraud")
    assert response.status_code == 400
    assert response.json()["error_code"] == "RESOURCE_ALREADY_EXISTS"


def test_create_with_an_experiment_name_is_refused(api, tenant):
    make_candidate(tenant.project, experiment_name="churn")
    response = _create(api, "churn")
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert not Model.objects.filter(name="churn").exists()


def test_create_without_name_is_invalid(api):
    response = api.post("api/2.0/mlflow/registered-models/create", {})
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_get_missing_is_resource_does_not_exist(api):
    response = api.get("api/2.0/mlflow/registered-models/get", {"name": "nope"})
    assert response.status_code == 404
    assert response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_rename_moves_name_and_experiment(api, tenant):
    _create(api, "a")
    response = api.post("api/2.0/mlflow/registered-models/rename", {"name": "a", "new_name": "b"})
    assert response.json()["registered_model"]["name"] == "b"
    assert api.get("api/2.0/mlflow/registered-models/get", {"name": "a"}).status_code == 404
    assert Model.objects.get(name="b").experiment.name == "[model]b"


def test_rename_onto_taken_name_is_refused(api):
    _create(api, "a")
    _create(api, "b")
    response = api.post("api/2.0/mlflow/registered-models/rename", {"name": "a", "new_name": "b"})
    assert response.json()["error_code"] == "RESOURCE_ALREADY_EXISTS"


def test_update_sets_description(api):
    _create(api, "a", description="one")
    response = api.patch("api/2.0/mlflow/registered-models/update", {"name": "a", "description": "two"})
    assert response.json()["registered_model"]["description"] == "two"
    assert (
        api.get("api/2.0/mlflow/registered-models/get", {"name": "a"}).json()["registered_model"][
            "description"
        ]
        == "two"
    )


def test_set_and_delete_tag(api):
    _create(api, "a", tags=[{"key": "team", "value": "a"}])
    assert (
        api.post("api/2.0/mlflow/registered-models/set-tag", {"name": "a", "key": "k", "value": "v"}).json()
        == {}
    )
    api.delete("api/2.0/mlflow/registered-models/delete-tag", {"name": "a", "key": "team"})
    tags = api.get("api/2.0/mlflow/registered-models/get", {"name": "a"}).json()["registered_model"]["tags"]
    assert tags == [{"key": "k", "value": "v"}]


def test_delete_missing_tag_is_resource_does_not_exist(api):
    _create(api, "a")
    response = api.delete("api/2.0/mlflow/registered-models/delete-tag", {"name": "a", "key": "nope"})
    assert response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_delete_removes_versions_and_model_experiment_but_keeps_source_candidate(api, tenant):
    candidate = make_candidate(tenant.project)
    _create(api, "a")
    created = api.post(
        "api/2.0/mlflow/model-versions/create",
        {"name": "a", "source": f"runs:/{candidate.eid_hex}/model", "run_id": candidate.eid_hex},
    )
    assert created.status_code == 200, created.content
    assert api.delete("api/2.0/mlflow/registered-models/delete", {"name": "a"}).json() == {}
    assert not Model.objects.filter(name="a").exists()
    assert not ModelVersion.objects.exists()
    assert not Experiment.objects.filter(name="[model]a").exists()
    candidate.refresh_from_db()  # the source run is not the model's to delete
    response = api.get("api/2.0/mlflow/model-versions/get", {"name": "a", "version": "1"})
    assert response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_latest_versions_are_the_highest_per_stage(api, tenant):
    candidate = make_candidate(tenant.project)
    _create(api, "a")
    for _ in range(3):
        api.post(
            "api/2.0/mlflow/model-versions/create", {"name": "a", "source": f"runs:/{candidate.eid_hex}/m"}
        )
    api.post(
        "api/2.0/mlflow/model-versions/transition-stage", {"name": "a", "version": "1", "stage": "Production"}
    )
    latest = api.post("api/2.0/mlflow/registered-models/get-latest-versions", {"name": "a"}).json()
    assert [(v["version"], v["current_stage"]) for v in latest["model_versions"]] == [
        ("1", "Production"),
        ("3", "None"),
    ]
    only = api.post("api/2.0/mlflow/registered-models/get-latest-versions", {"name": "a", "stages": ["None"]})
    assert [v["version"] for v in only.json()["model_versions"]] == ["3"]
    model = api.get("api/2.0/mlflow/registered-models/get", {"name": "a"}).json()["registered_model"]
    assert sorted(v["version"] for v in model["latest_versions"]) == ["1", "3"]


def test_latest_versions_with_unknown_stage_is_invalid(api):
    _create(api, "a")
    response = api.post(
        "api/2.0/mlflow/registered-models/get-latest-versions", {"name": "a", "stages": ["Gold"]}
    )
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
