"""Aliases (set, move, remove) and stage from the model and version pages; developer only; escaped."""

from model_registry.models import ModelAlias, ModelVersion, Stage
from tests.model_registry.edit_fixtures import (  # noqa: F401 - fixtures
    dev,
    models_url,
    outsider,
    registry,
    rep,
)


def test_alias_set_by_semver_or_number_moves_and_removes(dev, tenant, registry):  # noqa: F811
    model, v1, v2, _ = registry
    url = models_url(tenant.project, f"{model.pk}/aliases/set")
    assert dev.post(url, {"alias": "champion", "version": "2.0.0"}).status_code == 302
    assert ModelAlias.objects.get(model=model, name="champion").version == v2  # moved
    dev.post(url, {"alias": "staging", "version": "1"})
    assert ModelAlias.objects.get(model=model, name="staging").version == v1
    html = dev.get(models_url(tenant.project, f"{model.pk}/")).content.decode()
    assert f'<dt>@champion</dt><dd><a href="versions/{v2.pk}/">2.0.0</a>' in html
    dev.post(models_url(tenant.project, f"{model.pk}/aliases/delete"), {"alias": "staging"})
    assert not ModelAlias.objects.filter(model=model, name="staging").exists()


def test_bad_alias_and_missing_version_are_reported(dev, tenant, registry):  # noqa: F811
    model = registry[0]
    url = models_url(tenant.project, f"{model.pk}/aliases/set")
    html = dev.post(url, {"alias": "v1", "version": "1"}, follow=True).content.decode()
    assert "reserved" in html
    html = dev.post(url, {"alias": "<b>x</b>", "version": "1"}, follow=True).content.decode()
    assert "Invalid alias" in html and "<b>x</b>" not in html
    html = dev.post(url, {"alias": "prod", "version": "9.9.9"}, follow=True).content.decode()
    assert "not found" in html
    assert list(ModelAlias.objects.filter(model=model).values_list("name", flat=True)) == ["champion"]


def test_version_page_sets_alias_on_itself_and_returns_there(dev, tenant, registry, assert_query_count):  # noqa: F811
    model, _, v2, _ = registry
    page = models_url(tenant.project, f"{model.pk}/versions/{v2.pk}/")
    with assert_query_count("model_version_detail_editor"):
        html = dev.get(page).content.decode()
    assert 'id="stage-form"' in html and 'id="alias-form"' in html
    response = dev.post(
        models_url(tenant.project, f"{model.pk}/aliases/set"),
        {"alias": "latest-good", "version": "2", "next": page},
    )
    assert response["Location"] == page
    assert ModelAlias.objects.get(model=model, name="latest-good").version == v2
    response = dev.post(
        models_url(tenant.project, f"{model.pk}/aliases/delete"), {"alias": "x", "next": "//evil.example/"}
    )
    assert response["Location"] == models_url(tenant.project, f"{model.pk}/")  # no open redirect
    for target in ("/\\evil.example/", "https://evil.example/", "javascript:alert(1)"):
        response = dev.post(
            models_url(tenant.project, f"{model.pk}/aliases/delete"), {"alias": "x", "next": target}
        )
        assert response["Location"] == models_url(tenant.project, f"{model.pk}/"), target


def test_stage_change_with_archive_existing(dev, tenant, registry):  # noqa: F811
    model, v1, v2, _ = registry
    url = models_url(tenant.project, f"{model.pk}/versions/{v1.pk}/stage")
    assert dev.post(url, {"stage": "Production"}).status_code == 302
    v1.refresh_from_db()
    assert v1.stage == Stage.PRODUCTION
    dev.post(
        models_url(tenant.project, f"{model.pk}/versions/{v2.pk}/stage"),
        {"stage": "Production", "archive_existing": "on"},
    )
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.stage, v2.stage) == (Stage.ARCHIVED, Stage.PRODUCTION)
    html = dev.post(url, {"stage": "Bogus"}, follow=True).content.decode()
    assert "Select a valid choice" in html
    v1.refresh_from_db()
    assert v1.stage == Stage.ARCHIVED
    page = dev.get(models_url(tenant.project, f"{model.pk}/versions/{v2.pk}/")).content.decode()
    assert 'id="version-stage">Production<' in page


def test_reporter_and_outsider_cannot_change_aliases_or_stage(rep, outsider, tenant, registry):  # noqa: F811
    model, v1, _, _ = registry
    html = rep.get(models_url(tenant.project, f"{model.pk}/versions/{v1.pk}/")).content.decode()
    assert 'id="stage-form"' not in html and 'id="version-edit"' not in html
    for client in (rep, outsider):
        assert (
            client.post(
                models_url(tenant.project, f"{model.pk}/aliases/set"), {"alias": "a", "version": "1"}
            ).status_code
            == 404
        )
        assert (
            client.post(
                models_url(tenant.project, f"{model.pk}/aliases/delete"), {"alias": "champion"}
            ).status_code
            == 404
        )
        assert (
            client.post(
                models_url(tenant.project, f"{model.pk}/versions/{v1.pk}/stage"), {"stage": "Production"}
            ).status_code
            == 404
        )
    assert list(ModelAlias.objects.filter(model=model).values_list("name", flat=True)) == ["champion"]
    assert ModelVersion.objects.get(pk=v1.pk).stage == Stage.NONE


def test_alias_names_are_escaped_on_both_pages(dev, tenant, registry):  # noqa: F811
    model, v1, _, _ = registry
    # The service refuses markup in aliases; a row written another way must still come out escaped.
    ModelAlias.objects.create(model=model, version=v1, name='"><img src=x onerror=alert(1)>')
    for rest in (f"{model.pk}/", f"{model.pk}/versions/{v1.pk}/"):
        html = dev.get(models_url(tenant.project, rest)).content.decode()
        assert "<img src=x" not in html and "&quot;&gt;&lt;img" in html, rest
