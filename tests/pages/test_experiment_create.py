"""New experiment page: developer creates (name + markdown description), reporter and other tenants get 404."""

from experiments.models import Experiment
from projects.mlflow_data import NOTE_TAG
from tests.pages.conftest import seed_experiment, signed_in

XSS = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def _url(tenant):
    return f"/{tenant.project.path}/-/ml/experiments/new/"


def test_developer_creates_an_experiment_with_a_description(developer_client, tenant, assert_query_count):
    with assert_query_count("experiment_new_form"):
        form = developer_client.get(_url(tenant))
    assert form.status_code == 200 and b'id="experiment-form"' in form.content
    response = developer_client.post(_url(tenant), {"name": "vision", "description": "Uses **ResNet**"})
    experiment = Experiment.objects.get(project=tenant.project, name="vision")
    assert response.status_code == 302 and response["Location"].endswith(f"/experiments/{experiment.iid}/")
    assert experiment.user == tenant.developer
    assert experiment.metadata.get(name=NOTE_TAG).value == "Uses **ResNet**"
    page = developer_client.get(response["Location"]).content.decode()
    assert "<strong>ResNet</strong>" in page and 'id="experiment-description"' in page


def test_taken_name_is_refused_on_the_form(developer_client, tenant):
    seed_experiment(tenant.project, name="taken", candidates=0)
    response = developer_client.post(_url(tenant), {"name": "taken"})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Experiment.objects.filter(project=tenant.project, name="taken").count() == 1


def test_empty_name_is_refused(developer_client, tenant):
    response = developer_client.post(_url(tenant), {"name": "  "})
    assert response.status_code == 200 and b"This field is required" in response.content
    assert not Experiment.objects.filter(project=tenant.project).exists()


def test_reporter_and_other_tenant_cannot_create(reporter_client, tenant, other_tenant):
    assert reporter_client.get(_url(tenant)).status_code == 404
    assert reporter_client.post(_url(tenant), {"name": "nope"}).status_code == 404
    assert signed_in(other_tenant.owner).post(_url(tenant), {"name": "nope"}).status_code == 404
    assert not Experiment.objects.filter(name="nope").exists()


def test_create_needs_the_csrf_token(tenant):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(tenant.developer)
    assert client.post(_url(tenant), {"name": "csrf"}).status_code == 403
    assert not Experiment.objects.filter(name="csrf").exists()


def test_name_and_description_are_escaped(developer_client, tenant):
    developer_client.post(_url(tenant), {"name": XSS, "description": XSS + "\n\n[x](javascript:alert(3))"})
    experiment = Experiment.objects.get(project=tenant.project)
    for url in (
        f"/{tenant.project.path}/-/ml/experiments/",
        f"/{tenant.project.path}/-/ml/experiments/{experiment.iid}/",
        f"/{tenant.project.path}/-/ml/experiments/{experiment.iid}/edit/",
        f"/{tenant.project.path}/-/ml/experiments/{experiment.iid}/delete",
    ):
        html = developer_client.get(url).content.decode()
        assert "<script>alert(1)" not in html and "<img src=x" not in html, url
        assert 'href="javascript' not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
