"""The sign-in lockout as a person meets it: real Chromium typing into the sign-in form."""

import pytest
from django.conf import settings

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_wrong_passwords_in_the_browser_end_on_the_lockout_page(page, tenant, screenshots):
    user = tenant.developer
    user.set_password("e2e-password-1")
    user.save()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        page.goto("/users/sign_in")
        page.fill("#id_username", user.username)
        page.fill("#id_password", f"wrong-{attempt}")
        page.click("#sign-in button[type=submit]")
        page.wait_for_load_state()
    assert page.locator("#sign-in-locked").is_visible()
    # Even the right password is refused while the lock lasts.
    page.goto("/users/sign_in")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "e2e-password-1")
    page.click("#sign-in button[type=submit]")
    locked = page.locator("#sign-in-locked")
    assert "Too many failed sign-in attempts" in locked.inner_text()
    assert page.locator("header.topbar").is_visible()
    page.screenshot(path=str(screenshots / "sign-in-locked.png"))
    page.goto("/")
    assert "/users/sign_in" in page.url  # not signed in
