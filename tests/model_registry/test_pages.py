"""Models list, model page, model version page: content, empty state, paging, access, bounded queries."""

import pytest

from model_registry import services
from model_registry.locations import location_for_candidate_model
from tests.model_registry.factories import (
    make_candidate_with_model_folder,
)


def _url(project, rest=""):
    return f"/{project.path}/-/ml/models/{rest}"


@pytest.fixture
def dev_client(client, tenant):
    client.force_login(tenant.developer)
    return client


@pytest.fixture
def promoted(tenant, artifacts_dir):
    """Model "fraud" with two versions from a candidate that logged its model folder, params and metrics."""
    candidate = make_candidate_with_model_folder(
        tenant.project, params={"lr": "0.1", "depth": "6"}, metrics={"auc": 0.93}
    )
    model = services.model_create(project=tenant.project, name="fraud", description="Catches fraud")
    location = location_for_candidate_model(candidate)
    v1 = services.model_version_create(
        model=model, location=location, source=location.uri, description="first"
    )
    v2 = services.model_version_create(model=model, location=location, source=location.uri)
    services.model_alias_set(model=model, alias="champion", version=v1)
    return model, v1, v2, candidate


@pytest.mark.smoke
def test_models_list_empty_state(dev_client, tenant):
    response = dev_client.get(_url(tenant.project))
    assert response.status_code == 200
    assert b'id="empty-state"' in response.content and b"registered_model_name" in response.content


def test_models_list_shows_latest_version_and_count(dev_client, tenant, promoted, assert_query_count):
    model, v1, v2, _ = promoted
    services.model_create(project=tenant.project, name="empty-one")
    with assert_query_count("model_list"):
        response = dev_client.get(_url(tenant.project))
    html = response.content.decode()
    assert 'data-model="fraud"' in html and 'data-model="empty-one"' in html
    assert f'href="{model.pk}/versions/{v2.pk}/">2.0.0</a>' in html
    assert '<td class="num" data-field="count">2</td>' in html


def test_models_list_paginates_with_constant_queries(dev_client, tenant, assert_query_count):
    for i in range(23):
        services.model_create(project=tenant.project, name=f"m{i:02d}")
    with assert_query_count("model_list_full_page"):
        first = dev_client.get(_url(tenant.project))
    assert first.content.decode().count("data-model=") == 20 and b"Page 1 of 2" in first.content
    second = dev_client.get(_url(tenant.project), {"page": 2})
    assert second.content.decode().count("data-model=") == 3


def test_model_page_lists_versions_description_and_aliases(dev_client, tenant, promoted, assert_query_count):
    model, v1, v2, candidate = promoted
    with assert_query_count("model_detail"):
        response = dev_client.get(_url(tenant.project, f"{model.pk}/"))
    html = response.content.decode()
    assert "Catches fraud" in html
    assert 'data-version="1"' in html and 'data-version="2"' in html
    assert f'<dt>@champion</dt><dd><a href="versions/{v1.pk}/">1.0.0</a>' in html
    assert f"/ml/candidates/{candidate.pk}/" in html
    assert "[model]fraud" in html  # link to the model's experiment


def test_version_page_shows_files_lineage_and_downloads(dev_client, tenant, promoted, assert_query_count):
    model, v1, _, candidate = promoted
    with assert_query_count("model_version_detail"):
        response = dev_client.get(_url(tenant.project, f"{model.pk}/versions/{v1.pk}/"))
    html = response.content.decode()
    assert 'id="version-semver">1.0.0<' in html and "first" in html and "@champion" in html
    assert "<th>lr</th><td>0.1</td>" in html and "<th>auc</th>" in html
    assert f'href="/{tenant.project.path}/-/ml/candidates/{candidate.pk}/" id="candidate-link"' in html
    assert f'/-/ml/experiments/{candidate.experiment.iid}/" id="experiment-link"' in html
    # the model folder only: MLmodel and the pickle, not the run's other artifacts
    assert (
        "<code>MLmodel</code>" in html and "<code>python_model.pkl</code>" in html and "notes.txt" not in html
    )
    url = f"/api/v4/projects/{tenant.project.pk}/ml/mlflow/api/2.0/mlflow-artifacts/artifacts/"
    url += f"{candidate.experiment.iid}/{candidate.eid_hex}/artifacts/model/MLmodel"
    assert f'href="{url}"' in html
    download = dev_client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content if download.streaming else [download.content]).startswith(
        b"flavors"
    )


def test_version_page_survives_a_deleted_candidate(dev_client, tenant, promoted):
    model, v1, _, candidate = promoted
    run_id = candidate.eid_hex
    candidate.delete()
    response = dev_client.get(_url(tenant.project, f"{model.pk}/versions/{v1.pk}/"))
    assert response.status_code == 200
    assert f"Candidate <code>{run_id}</code> was deleted" in response.content.decode()


def test_pages_are_hidden_from_other_tenants_and_anonymous(client, tenant, other_tenant, promoted):
    model, v1, _, _ = promoted
    urls = [
        _url(tenant.project),
        _url(tenant.project, f"{model.pk}/"),
        _url(tenant.project, f"{model.pk}/versions/{v1.pk}/"),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to sign-in
    client.force_login(other_tenant.owner)
    for url in urls:
        assert client.get(url).status_code == 404
    # and another project's id in our URL is not found either
    client.force_login(other_tenant.owner)
    assert client.get(_url(other_tenant.project, f"{model.pk}/")).status_code == 404


def test_reporter_can_read_pages(client, tenant, promoted):
    model, v1, _, _ = promoted
    client.force_login(tenant.reporter)
    assert client.get(_url(tenant.project, f"{model.pk}/versions/{v1.pk}/")).status_code == 200
