"""The promote form: a candidate becomes a version of a new or an existing model, linked both ways."""

import pytest

from model_registry.models import Model, ModelVersion
from tests.model_registry.factories import (
    make_candidate,
    make_candidate_with_model_folder,
    make_logged_model,
)

pytestmark = pytest.mark.usefixtures("artifacts_dir")


def _promote_url(project):
    return f"/{project.path}/-/ml/models/promote"


@pytest.fixture
def dev_client(client, tenant):
    client.force_login(tenant.developer)
    return client


def test_form_shows_candidate_and_suggested_versions(dev_client, tenant, api, assert_query_count):
    candidate = make_candidate(tenant.project, name="best-run")
    api.post("api/2.0/mlflow/registered-models/create", {"name": "existing"})
    api.post(
        "api/2.0/mlflow/model-versions/create", {"name": "existing", "source": f"runs:/{candidate.eid_hex}/x"}
    )
    with assert_query_count("promote_form"):
        response = dev_client.get(_promote_url(tenant.project), {"candidate": candidate.pk})
    html = response.content.decode()
    assert "best-run" in html and 'data-suggest="1.0.0">New model…' in html
    model = Model.objects.get(name="existing")
    # preselected: a version of "existing" already came from this candidate's experiment
    assert f'<option value="{model.pk}" data-suggest="2.0.0" selected>existing</option>' in html
    assert "Already promoted to" in html  # the API-created version came from this candidate


def test_promote_into_a_new_model_references_the_logged_model(dev_client, tenant):
    candidate = make_candidate(tenant.project)
    logged = make_logged_model(candidate)
    response = dev_client.post(
        _promote_url(tenant.project),
        {
            "candidate": candidate.pk,
            "model": "",
            "new_model_name": "churn",
            "version": "",
            "description": "good",
        },
    )
    version = ModelVersion.objects.select_related("model").get()
    assert response.status_code == 302
    assert (
        response["Location"]
        == f"/{tenant.project.path}/-/ml/models/{version.model_id}/versions/{version.pk}/"
    )
    assert version.model.name == "churn" and version.semver == "1.0.0" and version.version == 1
    assert version.candidate == candidate and version.package == logged.package
    assert version.source == f"models:/{logged.model_id}" and version.description == "good"
    # the version page links back to the candidate
    page = dev_client.get(response["Location"]).content.decode()
    assert f"/ml/candidates/{candidate.pk}/" in page and "Promoted" in page


def test_promote_into_an_existing_model_with_chosen_semver(dev_client, tenant):
    candidate = make_candidate_with_model_folder(tenant.project, folder="clf")
    dev_client.post(_promote_url(tenant.project), {"candidate": candidate.pk, "new_model_name": "m"})
    model = Model.objects.get(name="m")
    response = dev_client.post(
        _promote_url(tenant.project), {"candidate": candidate.pk, "model": model.pk, "version": "1.1.0"}
    )
    assert response.status_code == 302
    assert list(model.versions.order_by("version").values_list("version", "semver", "package_path")) == [
        (1, "1.0.0", "clf"),
        (2, "1.1.0", "clf"),
    ]


@pytest.mark.parametrize(
    "data,message",
    [
        ({"version": "v1"}, "Use SemVer"),
        ({}, "Choose a model or name a new one."),
        ({"new_model_name": "exp"}, "an experiment has that name"),
    ],
)
def test_invalid_promotions_show_errors_and_create_nothing(dev_client, tenant, data, message):
    candidate = make_candidate(tenant.project, experiment_name="exp")
    response = dev_client.post(
        _promote_url(tenant.project), {"candidate": candidate.pk, "new_model_name": "", **data}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ModelVersion.objects.exists()


def test_duplicate_semver_is_refused(dev_client, tenant):
    candidate = make_candidate(tenant.project)
    dev_client.post(
        _promote_url(tenant.project), {"candidate": candidate.pk, "new_model_name": "m", "version": "1.0.0"}
    )
    model = Model.objects.get(name="m")
    response = dev_client.post(
        _promote_url(tenant.project), {"candidate": candidate.pk, "model": model.pk, "version": "1.0.0"}
    )
    assert "already has a version 1.0.0" in response.content.decode()
    assert model.versions.count() == 1


def test_reporters_and_other_tenants_cannot_promote(client, tenant, other_tenant):
    candidate = make_candidate(tenant.project)
    client.force_login(tenant.reporter)
    assert client.get(_promote_url(tenant.project), {"candidate": candidate.pk}).status_code == 404
    assert (
        client.post(
            _promote_url(tenant.project), {"candidate": candidate.pk, "new_model_name": "x"}
        ).status_code
        == 404
    )
    client.force_login(other_tenant.owner)
    # their own project, our candidate: not found
    assert client.get(_promote_url(other_tenant.project), {"candidate": candidate.pk}).status_code == 404
    assert not Model.objects.exists()


def test_unknown_candidate_is_404(dev_client, tenant):
    assert dev_client.get(_promote_url(tenant.project), {"candidate": "999999"}).status_code == 404
    assert dev_client.get(_promote_url(tenant.project)).status_code == 404
