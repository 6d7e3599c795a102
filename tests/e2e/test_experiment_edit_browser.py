"""Experiments edited in real Chromium: create → rename and describe → tag → delete (confirm) → restore, under
the CSP (no violation), with screenshots for the team note."""

import re

import pytest

from experiments.models import Experiment, Lifecycle
from model_registry.services import model_create
from tests.e2e.conftest import browser, docs_copy, page, screenshots, sign_in  # noqa: F401 - fixtures
from tests.e2e.test_csp import WATCH
from tests.pages.conftest import seed_experiment

pytestmark = pytest.mark.django_db(transaction=True)


def _no_csp_violation(page):  # noqa: F811
    assert page.evaluate("window.__cspViolations") == []


def test_experiment_create_rename_describe_delete_restore(page, tenant, screenshots):  # noqa: F811
    seed_experiment(tenant.project, name="baseline", candidates=3, user=tenant.developer)
    model_create(project=tenant.project, name="fraud")
    page.add_init_script(WATCH)
    sign_in(page, tenant.developer)
    base = f"/{tenant.project.path}/-/ml/experiments/"

    page.goto(base)
    assert page.locator("#experiments tbody tr").count() == 1  # [model]fraud is hidden …
    assert page.locator("#model-count").inner_text() == "1"  # … and counted
    page.click("#model-toggle")
    page.wait_for_url("**?model=1")
    assert "[model]fraud" in page.locator("#experiments").inner_text()
    page.click("#model-toggle")
    page.click("#experiment-new")
    page.wait_for_url("**/experiments/new/")
    page.fill("#id_name", "vision-resnet")
    page.fill("#id_description", "Baseline **ResNet-50** on the 2026 split.")
    page.screenshot(path=str(screenshots / "experiment-new.png"))
    page.click("#experiment-save")
    page.wait_for_url(re.compile(r"/experiments/\d+/$"))
    iid = Experiment.objects.get(project=tenant.project, name="vision-resnet").iid
    assert page.locator("h1.title").inner_text() == "vision-resnet"
    assert page.locator("#experiment-description strong").inner_text() == "ResNet-50"
    _no_csp_violation(page)

    page.click("#experiment-edit")
    page.wait_for_url(f"**/{iid}/edit/")
    page.fill("#id_name", "vision-resnet50")
    page.fill("#id_description", "## Goal\n\nBeat the **baseline** by 2 points.")
    page.click("#experiment-save")
    page.wait_for_url(f"**/experiments/{iid}/")
    assert page.locator("h1.title").inner_text() == "vision-resnet50"
    assert page.locator("#experiment-description h2").inner_text() == "Goal"

    page.click("#experiment-edit")
    page.fill("#id_tag_name", "team")
    page.fill("#id_tag_value", "vision")
    page.click("#tag-add")
    page.wait_for_url(f"**/{iid}/edit/")
    assert page.locator("tr[data-tag='team'] td").first.inner_text() == "vision"
    page.screenshot(path=str(screenshots / "experiment-edit.png"))
    page.goto(f"{base}{iid}/")
    assert "team: vision" in page.locator("#experiment-tags").inner_text()
    page.screenshot(path=str(screenshots / "experiment-head.png"))
    _no_csp_violation(page)

    page.click("#experiment-delete")
    page.wait_for_url(f"**/{iid}/delete")
    assert page.locator("#delete-name").inner_text() == "vision-resnet50"
    page.screenshot(path=str(screenshots / "experiment-delete-confirm.png"))
    page.click("#confirm-delete")
    page.wait_for_url(f"**{base}")
    assert "Deleted experiment vision-resnet50" in page.locator(".messages").inner_text()
    assert "vision-resnet50" not in page.locator("#experiments").inner_text()
    assert Experiment.objects.get(project=tenant.project, iid=iid).lifecycle == Lifecycle.DELETED

    page.click("#deleted-link")
    page.wait_for_url("**/experiments/deleted/")
    assert "vision-resnet50" in page.locator("#deleted-experiments").inner_text()
    page.screenshot(path=str(screenshots / "experiment-deleted-list.png"))
    page.click(f"[data-restore='{iid}']")
    page.wait_for_url(f"**/experiments/{iid}/")
    assert "Restored experiment vision-resnet50" in page.locator(".messages").inner_text()
    assert Experiment.objects.get(project=tenant.project, iid=iid).lifecycle == Lifecycle.ACTIVE
    _no_csp_violation(page)

    for name in ("experiment-head.png", "experiment-deleted-list.png"):
        docs_copy(screenshots / name, f"issue14-{name}")


def test_reporter_sees_no_edit_controls(page, tenant, screenshots):  # noqa: F811
    seed_experiment(tenant.project, name="baseline", candidates=1)
    sign_in(page, tenant.reporter)
    page.goto(f"/{tenant.project.path}/-/ml/experiments/")
    assert page.locator("#experiment-new").count() == 0
    page.goto(f"/{tenant.project.path}/-/ml/experiments/1/")
    assert page.locator("#experiment-edit").count() == 0 and page.locator("#experiment-delete").count() == 0
    response = page.goto(f"/{tenant.project.path}/-/ml/experiments/1/edit/")
    assert response.status == 404
