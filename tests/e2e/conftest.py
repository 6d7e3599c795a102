"""Real headless Chromium (Debian's /usr/bin/chromium, never a Playwright download) against the live server."""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM (used by fixtures) refuses to run
# beside one unless told it is fine (the loop never runs our ORM calls).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def screenshots() -> Path:
    folder = Path(os.environ.get("ASSAY_SCREENSHOT_DIR") or ".ci/artifacts/screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def docs_copy(path: Path, name: str) -> None:
    """Copy a screenshot into docs/screenshots/ when ASSAY_DOCS_SCREENSHOTS=1 (refreshing the docs' pictures is
    a deliberate act: a plain test run, CI's included, leaves the checkout clean)."""
    if os.environ.get("ASSAY_DOCS_SCREENSHOTS") != "1":
        return
    docs = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    docs.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, docs / name)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.dialogs = []

    def on_dialog(dialog):
        page.dialogs.append((dialog.type, dialog.message))
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page
    context.close()


def sign_in(page, user, password="e2e-password-1"):
    user.set_password(password)
    user.save()
    page.goto("/users/sign_in")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.click("#sign-in button[type=submit]")
    page.wait_for_url(lambda url: "sign_in" not in url)
