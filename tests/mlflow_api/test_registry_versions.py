"""model-versions/*: create from each kind of source, get, update, delete, tags, stage, download URI."""

import pytest

from model_registry.models import ModelVersion
from tests.model_registry.factories import (  # noqa: F401 - fixture
    artifacts_dir,
    make_candidate,
    make_candidate_with_model_folder,
    make_logged_model,
)

CREATE = "api/2.0/mlflow/model-versions/create"
# Files go to a temporary artifacts storage in every test of this module.
pytestmark = pytest.mark.usefixtures("artifacts_dir")


@pytest.fixture
def model(api):
    assert api.post("api/2.0/mlflow/registered-models/create", {"name": "m"}).status_code == 200
    return "m"


def _get(api, version="1"):
    return api.get("api/2.0/mlflow/model-versions/get", {"name": "m", "version": version})


def test_create_from_logged_model_with_model_id_references_its_package(api, tenant, model):
    candidate = make_candidate(tenant.project)
    logged = make_logged_model(candidate)
    body = {
        "name": "m",
        "source": f"models:/{logged.model_id}",
        "run_id": candidate.eid_hex,
        "model_id": logged.model_id,
        "tags": [{"key": "k", "value": "v"}],
        "description": "v1 desc",
    }
    response = api.post(CREATE, body)
    assert response.status_code == 200, response.content
    mv = response.json()["model_version"]
    assert mv["version"] == "1" and mv["status"] == "READY" and mv["current_stage"] == "None"
    assert mv["run_id"] == candidate.eid_hex and mv["model_id"] == logged.model_id
    assert mv["source"] == f"models:/{logged.model_id}"
    assert mv["tags"] == [{"key": "k", "value": "v"}] and mv["description"] == "v1 desc"
    version = ModelVersion.objects.get()
    assert version.package == logged.package and version.candidate == candidate
    assert version.semver == "1.0.0"
    uri = api.get("api/2.0/mlflow/model-versions/get-download-uri", {"name": "m", "version": "1"}).json()
    assert uri == {"artifact_uri": logged.artifact_uri}


def test_create_from_logged_model_without_model_id_is_refused(api, tenant, model):
    logged = make_logged_model(make_candidate(tenant.project))
    response = api.post(CREATE, {"name": "m", "source": f"models:/{logged.model_id}"})
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert not ModelVersion.objects.exists()


def test_create_with_unknown_model_id_is_refused(api, model):
    model_id = "m-" + "0" * 32
    response = api.post(CREATE, {"name": "m", "source": f"models:/{model_id}", "model_id": model_id})
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_create_from_runs_uri_finds_the_model_folder(api, tenant, model):
    candidate = make_candidate_with_model_folder(tenant.project)
    response = api.post(
        CREATE, {"name": "m", "source": f"runs:/{candidate.eid_hex}/model", "run_id": candidate.eid_hex}
    )
    assert response.json()["model_version"]["run_id"] == candidate.eid_hex
    version = ModelVersion.objects.get()
    assert version.package_path == "model" and version.package.name == candidate.package_name
    uri = api.get("api/2.0/mlflow/model-versions/get-download-uri", {"name": "m", "version": "1"}).json()
    assert uri["artifact_uri"] == f"{candidate.artifact_uri}/model"


def test_create_from_runs_uri_of_a_3x_run_resolves_to_its_logged_model(api, tenant, model):
    candidate = make_candidate(tenant.project)
    logged = make_logged_model(candidate, name="model")
    response = api.post(CREATE, {"name": "m", "source": f"runs:/{candidate.eid_hex}/model"})
    assert response.json()["model_version"]["model_id"] == logged.model_id
    assert ModelVersion.objects.get().package == logged.package


def test_create_from_runs_uri_with_other_run_id_is_refused(api, tenant, model):
    a, b = make_candidate(tenant.project, name="a"), make_candidate(tenant.project, name="b")
    response = api.post(CREATE, {"name": "m", "source": f"runs:/{a.eid_hex}/model", "run_id": b.eid_hex})
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_create_from_missing_run_is_refused(api, model):
    response = api.post(CREATE, {"name": "m", "source": f"runs:/{'a' * 32}/model"})
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_create_from_mlflow_artifacts_uri_records_its_candidate(api, tenant, model):
    candidate = make_candidate_with_model_folder(tenant.project)
    source = f"{candidate.artifact_uri}/model"
    response = api.post(CREATE, {"name": "m", "source": source, "run_id": candidate.eid_hex})
    mv = response.json()["model_version"]
    assert mv["source"] == source and mv["run_id"] == candidate.eid_hex
    assert ModelVersion.objects.get().package_path == "model"


def test_create_from_mlflow_artifacts_uri_outside_the_project_is_refused(api, other_tenant, model):
    stranger = make_candidate(other_tenant.project)
    response = api.post(CREATE, {"name": "m", "source": f"{stranger.artifact_uri}/model"})
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_create_from_another_model_version_copies_its_lineage(api, tenant, model):
    candidate = make_candidate_with_model_folder(tenant.project)
    api.post(CREATE, {"name": "m", "source": f"runs:/{candidate.eid_hex}/model"})
    api.post("api/2.0/mlflow/registered-models/create", {"name": "prod"})
    response = api.post(CREATE, {"name": "prod", "source": "models:/m/1"})
    mv = response.json()["model_version"]
    assert mv["source"] == "models:/m/1" and mv["run_id"] == candidate.eid_hex
    uri = api.get("api/2.0/mlflow/model-versions/get-download-uri", {"name": "prod", "version": "1"}).json()
    assert uri["artifact_uri"] == f"{candidate.artifact_uri}/model"


@pytest.mark.parametrize("source", ["/tmp/model", "file:///tmp/model", "s3://b/../../etc", ""])
def test_create_from_local_or_relative_source_is_refused(api, model, source):
    response = api.post(CREATE, {"name": "m", "source": source})
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_create_without_run_makes_a_candidate_in_the_model_experiment(api, tenant, model):
    response = api.post(CREATE, {"name": "m", "source": "s3://bucket/model"})
    mv = response.json()["model_version"]
    version = ModelVersion.objects.get()
    assert version.candidate.experiment.name == "[model]m"
    assert mv["run_id"] == version.candidate.eid_hex
    assert api.get(
        "api/2.0/mlflow/model-versions/get-download-uri", {"name": "m", "version": "1"}
    ).json() == {"artifact_uri": "s3://bucket/model"}


def test_create_on_missing_model_is_resource_does_not_exist(api):
    response = api.post(CREATE, {"name": "nope", "source": "s3://b/m"})
    assert response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_versions_count_up_and_are_never_reused(api, tenant, model):
    run = make_candidate(tenant.project)
    for _ in range(2):
        api.post(CREATE, {"name": "m", "source": f"runs:/{run.eid_hex}/x"})
    api.delete("api/2.0/mlflow/model-versions/delete", {"name": "m", "version": "2"})
    response = api.post(CREATE, {"name": "m", "source": f"runs:/{run.eid_hex}/x"})
    assert response.json()["model_version"]["version"] == "3"
    assert list(ModelVersion.objects.order_by("version").values_list("semver", flat=True)) == [
        "1.0.0",
        "3.0.0",
    ]


def test_gitlab_version_tag_sets_the_semver_and_must_be_semver(api, tenant, model):
    run = make_candidate(tenant.project)
    body = {
        "name": "m",
        "source": f"runs:/{run.eid_hex}/x",
        "tags": [{"key": "gitlab.version", "value": "1.2.3"}],
    }
    assert api.post(CREATE, body).status_code == 200
    assert ModelVersion.objects.get().semver == "1.2.3"
    assert api.post(CREATE, body).json()["error_code"] == "RESOURCE_ALREADY_EXISTS"
    body["tags"][0]["value"] = "one"
    assert api.post(CREATE, body).json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert api.post(CREATE, {"name": "m", "source": f"runs:/{run.eid_hex}/x"}).status_code == 200
    assert ModelVersion.objects.get(version=2).semver == "2.0.0"
    # a version can also be read by its SemVer
    assert _get(api, "1.2.3").json()["model_version"]["version"] == "1"


def test_get_update_and_delete(api, tenant, model):
    run = make_candidate(tenant.project)
    api.post(CREATE, {"name": "m", "source": f"runs:/{run.eid_hex}/x"})
    updated = api.patch(
        "api/2.0/mlflow/model-versions/update", {"name": "m", "version": "1", "description": "d"}
    )
    assert updated.json()["model_version"]["description"] == "d"
    assert _get(api).json()["model_version"]["description"] == "d"
    assert api.delete("api/2.0/mlflow/model-versions/delete", {"name": "m", "version": "1"}).json() == {}
    assert _get(api).json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    assert _get(api, "9").status_code == 404


def test_version_tags_set_and_delete(api, tenant, model):
    run = make_candidate(tenant.project)
    api.post(CREATE, {"name": "m", "source": f"runs:/{run.eid_hex}/x"})
    api.post("api/2.0/mlflow/model-versions/set-tag", {"name": "m", "version": "1", "key": "a", "value": "1"})
    api.post("api/2.0/mlflow/model-versions/set-tag", {"name": "m", "version": "1", "key": "b", "value": "2"})
    api.delete("api/2.0/mlflow/model-versions/delete-tag", {"name": "m", "version": "1", "key": "b"})
    assert _get(api).json()["model_version"]["tags"] == [{"key": "a", "value": "1"}]
    missing = api.delete(
        "api/2.0/mlflow/model-versions/delete-tag", {"name": "m", "version": "1", "key": "b"}
    )
    assert missing.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_transition_stage_archives_existing_when_asked(api, tenant, model):
    run = make_candidate(tenant.project)
    for _ in range(2):
        api.post(CREATE, {"name": "m", "source": f"runs:/{run.eid_hex}/x"})
    url = "api/2.0/mlflow/model-versions/transition-stage"
    api.post(url, {"name": "m", "version": "1", "stage": "Production"})
    response = api.post(
        url, {"name": "m", "version": "2", "stage": "production", "archive_existing_versions": True}
    )
    assert response.json()["model_version"]["current_stage"] == "Production"
    assert _get(api).json()["model_version"]["current_stage"] == "Archived"
    assert api.post(url, {"name": "m", "version": "1", "stage": "Gold"}).json()["error_code"] == (
        "INVALID_PARAMETER_VALUE"
    )


def test_deleting_the_source_candidate_keeps_the_version(api, tenant, model):
    candidate = make_candidate_with_model_folder(tenant.project)
    api.post(CREATE, {"name": "m", "source": f"runs:/{candidate.eid_hex}/model"})
    candidate.delete()
    mv = _get(api).json()["model_version"]
    assert mv["run_id"] == candidate.eid_hex and mv["source"] == f"runs:/{candidate.eid_hex}/model"
    assert ModelVersion.objects.get().candidate is None
