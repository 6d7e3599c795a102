"""The MLflow client plugin, installed by scripts/install, tags runs with the CI job that ran them."""

import uuid

from candidates.models import Candidate
from ci_integration.models import CiBuild, EnrichmentStatus

from .mlflow_script import mlflow_runs

GITLAB_ENV = {
    "GITLAB_CI": "true",
    "CI_JOB_ID": "8812",
    "CI_JOB_URL": "https://gitlab.example.com/acme/vision/-/jobs/8812",
    "CI_JOB_NAME": "train",
    "CI_PIPELINE_ID": "4410",
    "CI_PIPELINE_URL": "https://gitlab.example.com/acme/vision/-/pipelines/4410",
    "CI_COMMIT_SHA": "0ff3ae198f8601a285adcf5c0fff204ee6fba5fd",
    "CI_COMMIT_REF_NAME": "tune-lr",
    "CI_MERGE_REQUEST_IID": "7",
    "CI_PROJECT_ID": "45",
    "CI_PROJECT_URL": "https://gitlab.example.com/acme/vision",
    "GITLAB_USER_LOGIN": "root",
}
GITHUB_ENV = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_RUN_ID": "9001",
    "GITHUB_REPOSITORY": "octo/vision",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_SHA": "acb5820ced9479c074f688cc328bf03f341a511d",
    "GITHUB_REF_NAME": "tune-lr",
    "GITHUB_EVENT_NAME": "push",
    "GITHUB_ACTOR": "octocat",
}


def _tags(run_id: str) -> dict:
    candidate = Candidate.objects.get(eid=uuid.UUID(run_id))
    return dict(candidate.metadata.values_list("name", "value"))


def test_plugin_tags_runs_in_gitlab_ci_and_github_actions_and_nothing_elsewhere(live_server, tenant):
    uri = f"{live_server.url}/api/v4/projects/{tenant.project.pk}/ml/mlflow"
    gitlab_run, github_run, plain_run = mlflow_runs(
        tracking_uri=uri,
        token=tenant.write_token,
        specs=[{"env": GITLAB_ENV}, {"env": GITHUB_ENV}, {"env": {"CI_JOB_ID": "1"}}],  # no GITLAB_CI: not CI
    )

    tags = _tags(gitlab_run)
    assert tags.get("gitlab.CI_JOB_ID") == "8812", (
        "no CI tags: is assay-mlflow-plugin installed (scripts/install)?"
    )
    assert (
        tags["gitlab.CI_PIPELINE_ID"] == "4410"
        and tags["gitlab.CI_COMMIT_SHA"] == GITLAB_ENV["CI_COMMIT_SHA"]
    )
    assert tags["gitlab.CI_JOB_URL"] == GITLAB_ENV["CI_JOB_URL"]
    assert tags["gitlab.CI_MERGE_REQUEST_IID"] == "7" and tags["gitlab.GITLAB_USER_LOGIN"] == "root"
    assert not any(k.startswith("github.") for k in tags)

    tags = _tags(github_run)
    assert tags["github.GITHUB_RUN_ID"] == "9001" and tags["github.GITHUB_REPOSITORY"] == "octo/vision"
    assert tags["github.GITHUB_ACTOR"] == "octocat" and tags["github.GITHUB_SHA"] == GITHUB_ENV["GITHUB_SHA"]
    assert not any(k.startswith("gitlab.") for k in tags)

    assert not any(k.startswith(("gitlab.", "github.")) for k in _tags(plain_run))
    assert not CiBuild.objects.filter(candidate__eid=uuid.UUID(plain_run)).exists()

    # Tags sent with create_run must link the candidate too (no CI server configured: details from the tags).
    builds = {b.candidate.eid_hex: b for b in CiBuild.objects.select_related("candidate")}
    assert set(builds) == {gitlab_run, github_run}
    assert (builds[gitlab_run].job_id, builds[gitlab_run].merge_request_iid) == (8812, 7)
    assert builds[gitlab_run].merge_request_url == "https://gitlab.example.com/acme/vision/-/merge_requests/7"
    assert builds[github_run].pipeline_url == "https://github.com/octo/vision/actions/runs/9001"
    assert {b.enrichment_status for b in builds.values()} == {EnrichmentStatus.OK}
