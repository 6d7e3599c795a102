"""Access token pages in real Chromium: a maintainer creates a project access token, sees it once, copies it,
revokes it; a user does the same with a personal token. No policy violation, no page error."""

import pytest

from projects.models import AccessToken, Role
from projects.selectors import access_for_token
from projects.services import membership_set, user_get_or_create
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE = '"><img src=x onerror=alert(1)>'


def _watch(page):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    return errors


def test_project_token_create_shown_once_then_revoke(page, tenant, screenshots):
    maintainer = user_get_or_create(username="acme-maintainer")
    membership_set(project=tenant.project, user=maintainer, role=Role.MAINTAINER)
    errors = _watch(page)
    sign_in(page, maintainer)
    page.goto(f"/{tenant.project.path}/-/ml/experiments/")
    page.click("nav.sidebar >> text=Access tokens")
    page.wait_for_url(f"**/{tenant.project.path}/-/settings/access_tokens")
    # Owner is not offered to a maintainer.
    assert page.eval_on_selector_all("#id_access_level option", "os => os.map(o => o.textContent)") == [
        "Reporter",
        "Developer",
        "Maintainer",
    ]
    page.fill("#id_name", "ci-runner " + HOSTILE)
    page.select_option("#id_access_level", str(Role.DEVELOPER))
    page.check("input[name=scope][value=api]")
    page.click("#create-token")
    secret = page.input_value("#new-token")
    assert secret.startswith("asy-")
    assert page.locator("img[src=x]").count() == 0
    page.screenshot(path=str(screenshots / "project-access-token-created.png"))
    token, _, role = access_for_token(secret=secret, project_ref=tenant.project.path)
    assert role == Role.DEVELOPER and token.name == "ci-runner " + HOSTILE

    page.goto(f"/{tenant.project.path}/-/settings/access_tokens")
    assert secret not in page.content()  # shown once
    page.click(f"tr[data-token-id='{token.pk}'] button.revoke")  # the fixture dismisses the confirmation
    assert page.dialogs and page.dialogs[-1][0] == "confirm"
    assert AccessToken.objects.get(pk=token.pk).revoked_at is None
    page.evaluate("window.confirm = () => true")
    page.click(f"tr[data-token-id='{token.pk}'] button.revoke")
    page.wait_for_selector(".messages li.success")
    assert "revoked" in page.inner_text(f"tr[data-token-id='{token.pk}']")
    page.screenshot(path=str(screenshots / "project-access-token-revoked.png"))
    assert AccessToken.objects.get(pk=token.pk).revoked_at is not None
    assert errors == []


def test_personal_token_create_and_revoke(page, tenant, screenshots):
    errors = _watch(page)
    sign_in(page, tenant.reporter)
    page.click("header >> text=Access tokens")
    page.wait_for_url("**/-/user_settings/personal_access_tokens")
    page.fill("#id_name", "laptop")
    page.click("#create-token")
    secret = page.input_value("#new-token")
    page.click("button[data-copy-target=new-token]")
    # The label changes when the clipboard's promise settles (localhost is a secure context): wait for it.
    page.wait_for_selector("button[data-copy-target=new-token]:text-is('Copied')")
    page.screenshot(path=str(screenshots / "personal-access-token-created.png"))
    token, _, role = access_for_token(secret=secret, project_ref=tenant.project.path)
    assert token.user == tenant.reporter and token.scopes == "read_api" and role == Role.REPORTER
    page.goto("/-/user_settings/personal_access_tokens")
    assert secret not in page.content()
    page.evaluate("window.confirm = () => true")
    page.click(f"tr[data-token-id='{token.pk}'] button.revoke")
    page.wait_for_selector(".messages li.success")
    assert AccessToken.objects.get(pk=token.pk).revoked_at is not None
    assert errors == []
