"""The links the real mlflow client prints at end_run land on the dashboard in real Chromium, signed in or not."""

import re

import pytest

from candidates.models import Candidate
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PRINTED = re.compile(r"🏃 View run \S+ at: (\S+)\n🧪 View experiment at: (\S+)\n")


def _printed_links(capsys) -> tuple[str, str]:
    import mlflow

    mlflow.set_experiment("linked-exp")
    with mlflow.start_run(run_name="linked-run"):
        mlflow.log_metric("loss", 0.5)
    match = PRINTED.search(capsys.readouterr().out)
    assert match, "the mlflow client printed no links"
    return match.group(1), match.group(2)


def test_printed_run_link_lands_signed_in(mlflow_env, capsys, page, tenant, screenshots):
    run_url, experiment_url = _printed_links(capsys)
    assert run_url.startswith(mlflow_env + "/#/experiments/")
    candidate = Candidate.objects.get(project=tenant.project, name="linked-run")
    assert run_url.endswith(f"/runs/{candidate.eid.hex}")
    sign_in(page, tenant.reporter)

    page.goto(run_url)
    page.wait_for_url(f"**/{tenant.project.path}/-/ml/candidates/{candidate.pk}/")
    assert "linked-run" in page.inner_text("main")
    page.screenshot(path=str(screenshots / "mlflow-link-run.png"))

    page.goto(experiment_url)
    page.wait_for_url(f"**/{tenant.project.path}/-/ml/experiments/{candidate.experiment.iid}/")
    assert "linked-exp" in page.inner_text("main")


def test_printed_run_link_goes_through_sign_in(mlflow_env, capsys, page, tenant, screenshots):
    run_url, _ = _printed_links(capsys)
    candidate = Candidate.objects.get(project=tenant.project, name="linked-run")

    page.goto(run_url)
    page.wait_for_url(lambda url: "/users/sign_in?next=" in url)
    assert "mlflow-link" in page.url and candidate.eid.hex in page.url
    page.screenshot(path=str(screenshots / "mlflow-link-sign-in.png"))
    tenant.reporter.set_password("e2e-password-1")
    tenant.reporter.save()
    page.fill("#id_username", tenant.reporter.username)
    page.fill("#id_password", "e2e-password-1")
    page.click("#sign-in button[type=submit]")
    page.wait_for_url(f"**/{tenant.project.path}/-/ml/candidates/{candidate.pk}/")


def test_unknown_fragment_lands_on_the_experiment_list(page, tenant, live_server):
    sign_in(page, tenant.reporter)
    page.goto(f"{live_server.url}/api/v4/projects/{tenant.project.pk}/ml/mlflow#/models/fraud")
    page.wait_for_url(f"**/{tenant.project.path}/-/ml/experiments/")  # the project's canonical path
    assert page.locator("main").is_visible()
