"""Operators in real Chromium: the Status link in the top bar, the workers section, and a styled 404."""

import pytest

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_reach_the_status_page_and_see_workers(page, tenant, screenshots):
    tenant.owner.is_staff = True
    tenant.owner.save()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, tenant.owner)
    page.click("nav.topnav >> text=Status")
    page.wait_for_url("**/-/ci/status")
    assert "Workers" in page.inner_text("main")
    assert page.locator("[data-testid=workers]").is_visible()
    page.screenshot(path=str(screenshots / "status-workers.png"))
    page.goto("/admin/")
    page.click("#operations-module a")
    page.wait_for_url("**/-/ci/status")
    assert errors == []


def test_a_missing_page_is_styled(page, tenant, screenshots):
    sign_in(page, tenant.reporter)
    response = page.goto("/other/secret/-/ml/experiments/")
    assert response.status == 404
    assert page.locator("header.topbar").is_visible()
    assert "Page not found" in page.inner_text("main")
    page.screenshot(path=str(screenshots / "error-404.png"))
