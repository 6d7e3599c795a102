"""Model edit page: rename, markdown description, tags; developer only (as the API's writes); escaped."""

from model_registry.models import Model, ModelMetadata
from model_registry.services import model_tag_set
from tests.model_registry.edit_fixtures import (  # noqa: F401 - fixtures
    XSS,
    dev,
    models_url,
    outsider,
    registry,
    rep,
)


def test_developer_edits_name_and_description(dev, tenant, registry, assert_query_count):  # noqa: F811
    model = registry[0]
    with assert_query_count("model_edit_form"):
        form = dev.get(models_url(tenant.project, f"{model.pk}/edit/"))
    assert form.status_code == 200 and 'value="fraud"' in form.content.decode()
    response = dev.post(
        models_url(tenant.project, f"{model.pk}/edit/"),
        {"name": "fraud-v2", "description": "Uses **XGBoost**"},
    )
    assert response.status_code == 302
    model.refresh_from_db()
    assert model.name == "fraud-v2" and model.description == "Uses **XGBoost**"
    assert model.experiment.name == "[model]fraud-v2"
    html = dev.get(models_url(tenant.project, f"{model.pk}/")).content.decode()
    assert "<strong>XGBoost</strong>" in html and 'id="model-edit"' in html


def test_rename_refusal_shows_on_the_form(dev, tenant, registry):  # noqa: F811
    model = registry[0]
    response = dev.post(models_url(tenant.project, f"{model.pk}/edit/"), {"name": "fraud-exp"})
    assert response.status_code == 200 and "an experiment has that name" in response.content.decode()
    model.refresh_from_db()
    assert model.name == "fraud"


def test_tags_set_and_remove(dev, tenant, registry):  # noqa: F811
    model = registry[0]
    dev.post(models_url(tenant.project, f"{model.pk}/tags/set"), {"key": "owner", "value": "ana"})
    dev.post(models_url(tenant.project, f"{model.pk}/tags/set"), {"key": "team", "value": "fraud"})
    assert dict(ModelMetadata.objects.filter(model=model).values_list("name", "value")) == {
        "owner": "ana",
        "team": "fraud",
    }
    dev.post(models_url(tenant.project, f"{model.pk}/tags/delete"), {"key": "owner"})
    assert not ModelMetadata.objects.filter(model=model, name="owner").exists()
    response = dev.post(
        models_url(tenant.project, f"{model.pk}/tags/delete"), {"key": "missing"}, follow=True
    )
    assert "not found" in response.content.decode()


def test_reporter_sees_no_controls_and_cannot_write(rep, tenant, registry):  # noqa: F811
    model = registry[0]
    html = rep.get(models_url(tenant.project, f"{model.pk}/")).content.decode()
    assert 'id="model-edit"' not in html and 'id="alias-form"' not in html and "data-alias-remove" not in html
    assert rep.get(models_url(tenant.project, f"{model.pk}/edit/")).status_code == 404
    assert rep.post(models_url(tenant.project, f"{model.pk}/edit/"), {"name": "x"}).status_code == 404
    assert rep.post(models_url(tenant.project, f"{model.pk}/tags/set"), {"key": "k"}).status_code == 404
    assert rep.post(models_url(tenant.project, f"{model.pk}/tags/delete"), {"key": "team"}).status_code == 404
    model.refresh_from_db()
    assert model.name == "fraud" and model.metadata.filter(name="team").exists()


def test_other_tenant_gets_404(outsider, tenant, other_tenant, registry):  # noqa: F811
    model = registry[0]
    assert outsider.post(models_url(tenant.project, f"{model.pk}/edit/"), {"name": "x"}).status_code == 404
    # their own project path with our model's id finds nothing either
    url = models_url(other_tenant.project, f"{model.pk}/tags/set")
    assert outsider.post(url, {"key": "k", "value": "v"}).status_code == 404
    assert not Model.objects.filter(name="x").exists() and not model.metadata.filter(name="k").exists()


def test_csrf_is_enforced(tenant, registry):  # noqa: F811
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(tenant.developer)
    model = registry[0]
    assert client.post(models_url(tenant.project, f"{model.pk}/edit/"), {"name": "x"}).status_code == 403


def test_names_descriptions_and_tags_are_escaped(dev, tenant, registry):  # noqa: F811
    model, v1, _, _ = registry
    Model.objects.filter(pk=model.pk).update(description=XSS + "\n\n[x](javascript:alert(3))")
    model_tag_set(model=model, key=XSS, value=XSS)
    for rest in ("", f"{model.pk}/", f"{model.pk}/edit/", f"{model.pk}/delete"):
        html = dev.get(models_url(tenant.project, rest)).content.decode()
        assert "<script>alert(1)" not in html and "<img src=x" not in html, rest
        assert 'href="javascript' not in html, rest
