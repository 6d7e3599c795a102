"""Edit page: rename, describe, tags; developer only; tags and description shown in the page head."""

import pytest

from experiments.models import ExperimentMetadata
from experiments.services import experiment_metadata_set
from projects.mlflow_data import NOTE_TAG
from tests.pages.conftest import exp_url, seed_experiment, signed_in

XSS = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


@pytest.fixture
def exp(tenant):
    experiment, _ = seed_experiment(tenant.project, name="vision", candidates=2)
    return experiment


def test_developer_renames_and_describes(developer_client, tenant, exp, assert_query_count):
    with assert_query_count("experiment_edit_form"):
        form = developer_client.get(exp_url(tenant, exp, "edit/"))
    assert form.status_code == 200 and 'value="vision"' in form.content.decode()
    response = developer_client.post(
        exp_url(tenant, exp, "edit/"), {"name": "vision-v2", "description": "# Goal"}
    )
    assert response.status_code == 302
    exp.refresh_from_db()
    assert exp.name == "vision-v2"
    assert exp.metadata.get(name=NOTE_TAG).value == "# Goal"
    html = developer_client.get(exp_url(tenant, exp)).content.decode()
    assert "<h1>Goal</h1>" in html and "vision-v2" in html
    # an empty description removes it
    developer_client.post(exp_url(tenant, exp, "edit/"), {"name": "vision-v2", "description": ""})
    assert not exp.metadata.filter(name=NOTE_TAG).exists()


def test_rename_to_a_taken_name_shows_the_error(developer_client, tenant, exp):
    seed_experiment(tenant.project, name="other", candidates=0)
    response = developer_client.post(exp_url(tenant, exp, "edit/"), {"name": "other", "description": "x"})
    assert response.status_code == 200 and "already exists" in response.content.decode()
    exp.refresh_from_db()
    assert exp.name == "vision" and not exp.metadata.filter(name=NOTE_TAG).exists()  # one transaction


def test_tags_set_replace_and_remove(developer_client, tenant, exp):
    url = exp_url(tenant, exp, "tags/set")
    assert developer_client.post(url, {"name": "team", "value": "ml"}).status_code == 302
    developer_client.post(url, {"name": "team", "value": "vision"})
    assert ExperimentMetadata.objects.get(experiment=exp, name="team").value == "vision"
    html = developer_client.get(exp_url(tenant, exp)).content.decode()
    assert 'id="experiment-tags"' in html and "team: vision" in html
    response = developer_client.post(url, {"name": "mlflow.note.content", "value": "x"}, follow=True)
    assert "system tags" in response.content.decode()
    developer_client.post(exp_url(tenant, exp, "tags/delete"), {"name": "team"})
    assert not ExperimentMetadata.objects.filter(experiment=exp, name="team").exists()


def test_system_tags_are_not_listed_as_tags(developer_client, tenant, exp):
    experiment_metadata_set(experiment=exp, name="mlflow.experimentKind", value="custom")
    experiment_metadata_set(experiment=exp, name="owner", value="ana")
    html = developer_client.get(exp_url(tenant, exp)).content.decode()
    assert "owner: ana" in html and "experimentKind" not in html


def test_head_shows_edit_controls_only_to_developers(developer_client, reporter_client, tenant, exp):
    assert b'id="experiment-edit"' in developer_client.get(exp_url(tenant, exp)).content
    html = reporter_client.get(exp_url(tenant, exp)).content
    assert b'id="experiment-edit"' not in html and b'id="experiment-delete"' not in html


def test_reporter_and_other_tenant_cannot_edit(reporter_client, tenant, other_tenant, exp):
    outsider = signed_in(other_tenant.owner)
    for client in (reporter_client, outsider):
        assert client.get(exp_url(tenant, exp, "edit/")).status_code == 404
        assert client.post(exp_url(tenant, exp, "edit/"), {"name": "hacked"}).status_code == 404
        assert client.post(exp_url(tenant, exp, "tags/set"), {"name": "k", "value": "v"}).status_code == 404
    experiment_metadata_set(experiment=exp, name="keep", value="1")
    for client in (reporter_client, outsider):
        assert client.post(exp_url(tenant, exp, "tags/delete"), {"name": "keep"}).status_code == 404
    exp.refresh_from_db()
    assert exp.name == "vision" and exp.metadata.filter(name="keep").exists()
    assert not exp.metadata.filter(name="k").exists()


def test_tags_are_escaped(developer_client, tenant, exp):
    experiment_metadata_set(experiment=exp, name=XSS, value=XSS)
    for rest in ("", "performance/", "edit/"):
        html = developer_client.get(exp_url(tenant, exp, rest)).content.decode()
        assert "<script>alert(1)" not in html and "<img src=x" not in html, rest
        assert "&lt;script&gt;" in html, rest


def test_many_tags_are_bounded_in_the_head(developer_client, tenant, exp, assert_query_count):
    ExperimentMetadata.objects.bulk_create(
        [ExperimentMetadata(experiment=exp, name=f"k{i:03d}", value="v") for i in range(80)]
        + [ExperimentMetadata(experiment=exp, name=NOTE_TAG, value="described")]
    )
    with assert_query_count("experiment_detail_with_tags"):
        html = developer_client.get(exp_url(tenant, exp)).content.decode()
    assert "k049: v" in html and "k050: v" not in html and "and more" in html and "described" in html


def test_flash_messages_escape_user_text(developer_client, tenant, exp):
    response = developer_client.post(
        exp_url(tenant, exp, "tags/set"), {"name": XSS, "value": "v"}, follow=True
    )
    html = response.content.decode()
    assert "Set tag &lt;script&gt;" in html and "<script>alert(1)" not in html and "<img src=x" not in html
