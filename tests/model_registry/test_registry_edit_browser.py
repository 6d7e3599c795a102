"""Registry edits in real Chromium: model search, alias set and remove, stage change, version delete behind its
confirm page, under the CSP (no violation), with screenshots for the team note."""

import re

import pytest

from model_registry import services
from model_registry.locations import location_for_candidate_model
from model_registry.models import ModelAlias, ModelVersion, Stage
from tests.e2e.conftest import browser, docs_copy, page, screenshots, sign_in  # noqa: F401 - fixtures
from tests.e2e.test_csp import WATCH
from tests.model_registry.factories import make_candidate_with_model_folder

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("artifacts_dir")]


def test_search_alias_stage_and_version_delete(page, tenant, screenshots):  # noqa: F811
    candidate = make_candidate_with_model_folder(tenant.project, experiment_name="fraud-exp", name="best")
    model = services.model_create(
        project=tenant.project, name="fraud-detector", description="Catches **fraud**"
    )
    location = location_for_candidate_model(candidate)
    v1 = services.model_version_create(model=model, location=location, source=location.uri)
    v2 = services.model_version_create(model=model, location=location, source=location.uri)
    for name in ("churn", "ranker", "fraud-legacy"):
        services.model_create(project=tenant.project, name=name)
    page.add_init_script(WATCH)
    sign_in(page, tenant.developer)
    base = f"/{tenant.project.path}/-/ml/models/"

    page.goto(base)
    assert page.locator("tr[data-model]").count() == 4
    page.fill("#model-search input[name=q]", "FRAUD")
    page.click("#model-search button")
    page.wait_for_url("**?q=FRAUD")
    names = sorted(page.locator("tr[data-model]").evaluate_all("rows => rows.map(r => r.dataset.model)"))
    assert names == ["fraud-detector", "fraud-legacy"]
    page.screenshot(path=str(screenshots / "registry-search.png"))

    page.click("a:text('fraud-detector')")
    page.wait_for_url(f"**/models/{model.pk}/")
    assert page.locator("#model-description strong").inner_text() == "fraud"
    page.fill("#id_alias", "champion")
    page.fill("#id_alias_version", "1.0.0")
    page.click("#alias-set")
    page.wait_for_url(f"**/models/{model.pk}/")
    assert "@champion now points to 1.0.0" in page.locator(".messages").inner_text()
    assert "@champion" in page.locator("#aliases").inner_text()
    page.fill("#id_alias", "v9")  # reserved: the service's refusal shows as a message
    page.fill("#id_alias_version", "1")
    page.click("#alias-set")
    assert "reserved" in page.locator(".messages").inner_text()
    page.screenshot(path=str(screenshots / "registry-model-aliases.png"))

    page.goto(f"{base}{model.pk}/versions/{v2.pk}/")
    page.fill("#id_alias", "challenger")
    page.click("#alias-set")
    page.wait_for_url(f"**/versions/{v2.pk}/")
    assert "@challenger" in page.locator("#version-aliases").inner_text()
    page.select_option("#id_stage", "Staging")
    page.click("#stage-set")
    page.wait_for_url(f"**/versions/{v2.pk}/")
    assert page.locator("#version-stage").inner_text() == "Staging"
    page.screenshot(path=str(screenshots / "registry-version-manage.png"))
    page.click("[data-alias-remove='challenger']")
    page.wait_for_url(f"**/versions/{v2.pk}/")
    assert "Removed alias @challenger" in page.locator(".messages").inner_text()
    assert list(ModelAlias.objects.filter(model=model).values_list("name", flat=True)) == ["champion"]
    assert ModelVersion.objects.get(pk=v2.pk).stage == Stage.STAGING
    assert page.evaluate("window.__cspViolations") == []

    page.click("#version-delete")
    page.wait_for_url(f"**/versions/{v2.pk}/delete")
    assert page.locator("#delete-name").inner_text() == "fraud-detector 2.0.0"
    page.screenshot(path=str(screenshots / "registry-version-delete-confirm.png"))
    page.click("#confirm-delete")
    page.wait_for_url(re.compile(rf"/models/{model.pk}/$"))
    assert "Deleted fraud-detector 2.0.0" in page.locator(".messages").inner_text()
    assert list(ModelVersion.objects.filter(model=model).values_list("pk", flat=True)) == [v1.pk]
    assert page.locator("#versions tr[data-version]").count() == 1
    assert page.evaluate("window.__cspViolations") == []

    for name in ("registry-version-manage.png", "registry-version-delete-confirm.png"):
        docs_copy(screenshots / name, f"issue14-{name}")
