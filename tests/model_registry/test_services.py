"""Service rules not visible through one endpoint: what deleting a model takes with it."""

import pytest

from model_registry import services
from packages_registry.models import Package
from packages_registry.services import candidate_package_get_or_create
from tests.model_registry.factories import make_candidate, make_logged_model, upload


def _stored(location):
    return sum(1 for p in location.rglob("*") if p.is_file())


def test_model_delete_removes_its_experiment_files_but_not_source_runs(
    tenant, artifacts_dir, django_capture_on_commit_callbacks
):
    model = services.model_create(project=tenant.project, name="m")
    source = make_candidate(tenant.project)
    make_logged_model(source)
    services.model_version_create(model=model, candidate=source, source=f"runs:/{source.eid_hex}/model")
    own = services.model_version_create(model=model, source="s3://b/m")  # gets a candidate in [model]m
    upload(candidate_package_get_or_create(candidate=own.candidate), "model/MLmodel", b"flavors: {}")
    stored = {p.name for p in Package.objects.filter(project=tenant.project)}
    assert f"ml_experiment_{model.experiment.iid}" in stored

    assert _stored(artifacts_dir) == 3
    with django_capture_on_commit_callbacks(execute=True):
        services.model_delete(model=model)

    left = {p.name for p in Package.objects.filter(project=tenant.project)}
    assert left == {f"ml_logged_model_{source.experiment.iid}"}  # the source run's logged model stays
    source.refresh_from_db()  # still there
    assert _stored(artifacts_dir) == 2  # the logged model's MLmodel and pickle


@pytest.mark.smoke
def test_semver_suggestion_follows_the_mlflow_number(tenant):
    model = services.model_create(project=tenant.project, name="m")
    assert services.semver_suggest(model=model) == "1.0.0"
    services.model_version_create(model=model, source="s3://b/1", semver="0.3.0")
    assert services.semver_suggest(model=model) == "2.0.0"
    services.model_version_create(model=model, source="s3://b/2", semver="7.1.0")
    assert services.semver_suggest(model=model) == "8.0.0"
