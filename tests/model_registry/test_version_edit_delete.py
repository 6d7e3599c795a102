"""Version edit (description, tags) and deletes of a version and a model, each behind a confirm page."""

from experiments.models import Experiment
from model_registry.models import Model, ModelVersion, ModelVersionMetadata
from model_registry.services import model_version_tag_set
from tests.model_registry.edit_fixtures import (  # noqa: F401 - fixtures
    XSS,
    dev,
    models_url,
    outsider,
    registry,
    rep,
)


def test_version_description_and_tags(dev, tenant, registry, assert_query_count):  # noqa: F811
    model, v1, _, _ = registry
    base = models_url(tenant.project, f"{model.pk}/versions/{v1.pk}/")
    with assert_query_count("version_edit_form"):
        assert dev.get(base + "edit/").status_code == 200
    assert dev.post(base + "edit/", {"description": "## Notes\n\nretrained"}).status_code == 302
    v1.refresh_from_db()
    assert v1.description == "## Notes\n\nretrained"
    assert "<h2>Notes</h2>" in dev.get(base).content.decode()
    dev.post(base + "tags/set", {"key": "dataset", "value": "2026-11"})
    assert ModelVersionMetadata.objects.get(version=v1, name="dataset").value == "2026-11"
    dev.post(base + "tags/delete", {"key": "dataset"})
    assert not ModelVersionMetadata.objects.filter(version=v1).exists()


def test_version_delete_asks_first(dev, tenant, registry, assert_query_count):  # noqa: F811
    model, v1, v2, candidate = registry
    url = models_url(tenant.project, f"{model.pk}/versions/{v2.pk}/delete")
    with assert_query_count("version_delete_confirm"):
        confirm = dev.get(url)
    assert b'id="confirm-delete"' in confirm.content and ModelVersion.objects.filter(pk=v2.pk).exists()
    response = dev.post(url)
    assert response["Location"] == models_url(tenant.project, f"{model.pk}/")
    assert list(ModelVersion.objects.filter(model=model).values_list("version", flat=True)) == [1]
    candidate.refresh_from_db()  # the source candidate stays


def test_model_delete_asks_then_removes_model_and_its_experiment(dev, tenant, registry):  # noqa: F811
    model, _, _, candidate = registry
    url = models_url(tenant.project, f"{model.pk}/delete")
    confirm = dev.get(url).content.decode()
    assert "2 versions" in confirm and "[model]fraud" in confirm
    assert dev.post(url)["Location"] == models_url(tenant.project)
    assert not Model.objects.filter(pk=model.pk).exists()
    assert not Experiment.objects.filter(project=tenant.project, name="[model]fraud").exists()
    assert Experiment.objects.filter(pk=candidate.experiment_id).exists()


def test_reporter_and_outsider_cannot_edit_or_delete(rep, outsider, tenant, registry):  # noqa: F811
    model, v1, _, _ = registry
    base = models_url(tenant.project, f"{model.pk}/versions/{v1.pk}/")
    for client in (rep, outsider):
        assert client.get(base + "edit/").status_code == 404
        assert client.post(base + "edit/", {"description": "x"}).status_code == 404
        assert client.post(base + "tags/set", {"key": "k", "value": "v"}).status_code == 404
        assert client.get(base + "delete").status_code == 404
        assert client.post(base + "delete").status_code == 404
        assert client.post(models_url(tenant.project, f"{model.pk}/delete")).status_code == 404
    assert (
        ModelVersion.objects.filter(model=model).count() == 2 and Model.objects.filter(pk=model.pk).exists()
    )
    v1.refresh_from_db()
    assert v1.description == ""


def test_version_texts_are_escaped(dev, tenant, registry):  # noqa: F811
    model, v1, _, _ = registry
    ModelVersion.objects.filter(pk=v1.pk).update(description=XSS)
    model_version_tag_set(version=v1, key=XSS, value=XSS)
    base = models_url(tenant.project, f"{model.pk}/versions/{v1.pk}/")
    for rest in ("", "edit/", "delete"):
        html = dev.get(base + rest).content.decode()
        assert "<script>alert(1)" not in html and "<img src=x" not in html, rest


def test_maintainer_may_delete_a_version(tenant, registry):  # noqa: F811
    from projects.models import Role
    from projects.services import membership_set, user_get_or_create
    from tests.model_registry.edit_fixtures import client_for

    model, _, v2, _ = registry
    maintainer = user_get_or_create(username="acme-maintainer")
    membership_set(project=tenant.project, user=maintainer, role=Role.MAINTAINER)
    url = models_url(tenant.project, f"{model.pk}/versions/{v2.pk}/delete")
    assert client_for(maintainer).post(url).status_code == 302
    assert not ModelVersion.objects.filter(pk=v2.pk).exists()
