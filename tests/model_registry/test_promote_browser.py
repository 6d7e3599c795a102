"""The promote flow in real Chromium: candidate → promote form → version page → back to the candidate."""

import re

import pytest

from model_registry.models import ModelVersion
from tests.e2e.conftest import browser, page, screenshots, sign_in  # noqa: F401 - fixtures
from tests.model_registry.factories import make_candidate_with_model_folder

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("artifacts_dir")]


def test_promote_candidate_to_new_then_existing_model(page, tenant, screenshots):  # noqa: F811
    candidate = make_candidate_with_model_folder(
        tenant.project, name="best-run", params={"lr": "0.01"}, metrics={"auc": 0.91}
    )
    sign_in(page, tenant.developer)
    promote = f"/{tenant.project.path}/-/ml/models/promote?candidate={candidate.pk}"

    page.goto(promote)
    assert page.locator("#promote-candidate").inner_text() == "best-run"
    assert page.get_attribute("#id_version", "placeholder") == "1.0.0"
    assert page.is_visible("#new-model-row")
    page.fill("#id_new_model_name", "browser-model")
    page.fill("#id_description", "Promoted from the browser")
    page.screenshot(path=str(screenshots / "registry-promote-form.png"), full_page=True)
    page.click("#promote-submit")
    page.wait_for_url(re.compile(r"/-/ml/models/\d+/versions/\d+/$"))

    version = ModelVersion.objects.select_related("model").get()
    assert version.model.name == "browser-model" and version.candidate_id == candidate.pk
    assert page.locator("#version-semver").inner_text() == "1.0.0"
    assert "Promoted from the browser" in page.locator("#version-description").inner_text()
    assert page.locator("#files").inner_text().count("Download") == 2  # MLmodel and the pickle
    assert "lr" in page.locator("#params").inner_text() and "auc" in page.locator("#metrics").inner_text()
    page.screenshot(path=str(screenshots / "registry-version.png"), full_page=True)

    # Linked both ways: version page → candidate page, which lists the version.
    page.click("#candidate-link")
    page.wait_for_url(f"**/-/ml/candidates/{candidate.pk}/")
    back = page.locator(f"a[href$='/-/ml/models/{version.model_id}/versions/{version.pk}/']")
    assert back.count() >= 1 and "browser-model 1.0.0" in back.first.inner_text()

    # Second promotion into the existing model: the form switches the suggestion and hides the name field.
    page.goto(promote)
    assert "Already promoted to" in page.locator("#already-promoted").inner_text()
    page.select_option("#id_model", label="browser-model")
    assert page.get_attribute("#id_version", "placeholder") == "2.0.0"
    assert not page.is_visible("#new-model-row")
    page.click("#promote-submit")
    page.wait_for_url(re.compile(r"/-/ml/models/\d+/versions/\d+/$"))
    assert page.locator("#version-semver").inner_text() == "2.0.0"

    page.goto(f"/{tenant.project.path}/-/ml/models/")
    row = page.locator("tr[data-model='browser-model']")
    assert row.locator("[data-field=latest]").inner_text() == "2.0.0"
    assert row.locator("[data-field=count]").inner_text() == "2"
    page.screenshot(path=str(screenshots / "registry-models.png"), full_page=True)
