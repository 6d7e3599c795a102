"""Enrichment end to end: a real Celery worker on Redis, the test PostgreSQL database, a fake CI API over HTTP."""

import socket
import time
import uuid

import pytest

from ci_integration import tasks
from ci_integration.models import CiBuild, CiServer, EnrichmentStatus
from ci_integration.services import ci_link_candidate_from_metadata, ci_server_set
from tests.broker import DEAD_BROKER_URL, TEST_REDIS_URL, broker_use, own_broker

from .factories import GITLAB_TAGS, candidate_make
from .fake_ci import FakeCi
from .mlflow_script import mlflow_runs
from .worker import Workers


@pytest.fixture(scope="module")
def broker():
    """This module's own keys on TEST_REDIS_URL (its prefix); removed afterwards."""
    with own_broker("ci") as prefix:
        yield prefix


@pytest.fixture(scope="module")
def workers(django_db_setup, django_db_blocker, broker, tmp_path_factory):
    manager = Workers(tmp_path_factory.mktemp("ci-workers"), broker)
    manager.start()
    yield manager
    manager.stop()


@pytest.fixture(scope="module")
def fake_ci():
    fake = FakeCi().start()
    yield fake
    fake.stop()


def wait_for(predicate, *, timeout: float = 45, what: str = "", workers: Workers | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    log = workers.log()[-4000:] if workers else ""
    raise AssertionError(f"timed out waiting for {what}\n{log}")


def link(project, tags: dict) -> CiBuild:
    candidate = candidate_make(project, tags=tags)
    ci_link_candidate_from_metadata(candidate_id=candidate.pk, names=list(tags))
    return CiBuild.objects.get(candidate=candidate)


def settled(build: CiBuild, workers: Workers) -> CiBuild:
    return wait_for(
        lambda: (
            CiBuild.objects.exclude(enrichment_status=EnrichmentStatus.PENDING).filter(pk=build.pk).first()
        ),
        what=f"CI record {build.pk} to leave pending",
        workers=workers,
    )


def gitlab_tags(job_id: int) -> dict:
    return {**GITLAB_TAGS, "gitlab.CI_JOB_ID": str(job_id)}


def test_gitlab_and_github_records_are_enriched_by_a_worker(
    transactional_db, tenant, other_tenant, workers, fake_ci
):
    ci_server_set(project=tenant.project, url=fake_ci.url, token="glpat-s3cret")
    ci_server_set(
        project=other_tenant.project,
        url=fake_ci.url,
        provider="github",
        token="ghp-s3cret",
        ci_project="octo/vision",
    )
    assert "s3cret" not in CiServer.objects.get(project=tenant.project).token_encrypted

    gitlab = link(tenant.project, gitlab_tags(501))
    github = link(other_tenant.project, {"github.GITHUB_RUN_ID": "9001", "github.GITHUB_JOB": "train"})
    assert gitlab.enrichment_status == EnrichmentStatus.PENDING and gitlab.enqueued_at is not None

    gitlab, github = settled(gitlab, workers), settled(github, workers)
    assert gitlab.enrichment_status == EnrichmentStatus.OK, gitlab.enrichment_reason
    assert (gitlab.job_name, gitlab.job_stage, gitlab.job_status) == ("train-model", "train", "success")
    assert gitlab.job_web_url == "https://gitlab.example.com/acme/vision/-/jobs/501"
    assert gitlab.job_duration == pytest.approx(0.465)
    assert (gitlab.pipeline_id, gitlab.pipeline_status, gitlab.pipeline_source) == (
        1501,
        "running",
        "merge_request_event",
    )
    assert gitlab.pipeline_url == "https://gitlab.example.com/acme/vision/-/pipelines/1501"
    assert gitlab.pipeline_sha == "0ff3ae198f8601a285adcf5c0fff204ee6fba5fd"
    assert (gitlab.merge_request_iid, gitlab.merge_request_title) == (7, "Tune the learning rate")
    assert gitlab.merge_request_url == "https://gitlab.example.com/acme/vision/-/merge_requests/7"
    assert (gitlab.user_name, gitlab.user_username, gitlab.user_url) == (
        "Administrator",
        "root",
        "http://gitlab.dev/root",
    )
    assert gitlab.user_avatar_url.startswith("http://www.gravatar.com/avatar/")
    assert gitlab.enrichment_attempts == 1 and gitlab.enriched_at is not None

    assert github.enrichment_status == EnrichmentStatus.OK, github.enrichment_reason
    assert (github.pipeline_id, github.pipeline_status, github.pipeline_ref) == (9001, "success", "tune-lr")
    assert github.pipeline_url == "https://github.com/octo/vision/actions/runs/9001"
    assert (github.merge_request_iid, github.merge_request_url) == (
        42,
        "https://github.com/octo/vision/pull/42",
    )
    assert (github.user_username, github.user_url) == ("octocat", "https://github.com/octocat")
    assert github.job_name == "train"  # from the tag; the run API has no job

    headers = {path: h for path, h in fake_ci.requests}
    assert headers["/api/v4/projects/45/jobs/501"]["PRIVATE-TOKEN"] == "glpat-s3cret"
    assert headers["/repos/octo/vision/actions/runs/9001"]["Authorization"] == "Bearer ghp-s3cret"


def test_mlflow_client_tag_links_and_a_worker_enriches_the_candidate(live_server, tenant, workers, fake_ci):
    """The whole path: the mlflow client sets gitlab.CI_JOB_ID (GitLab's docs snippet) -> candidates.services ->
    on commit the CI link -> the `ci` queue -> the worker asks the fake GitLab -> the record is enriched."""
    ci_server_set(project=tenant.project, url=fake_ci.url, token="t", ci_project="45")
    (run_id,) = mlflow_runs(
        tracking_uri=f"{live_server.url}/api/v4/projects/{tenant.project.pk}/ml/mlflow",
        token=tenant.write_token,
        specs=[{"env": {}, "set_tags": {"gitlab.CI_JOB_ID": "506"}}],
    )
    build = wait_for(
        lambda: CiBuild.objects.filter(candidate__eid=uuid.UUID(run_id)).first(),
        what="the CI link",
        workers=workers,
    )
    build = settled(build, workers)
    assert build.enrichment_status == EnrichmentStatus.OK, build.enrichment_reason
    assert (build.job_id, build.job_name, build.pipeline_id) == (506, "train-model", 1506)
    assert build.merge_request_title == "Tune the learning rate"  # iid found from the pipeline's MR ref
    assert build.project == tenant.project


def test_unknown_job_is_recorded_as_not_found_without_retrying(transactional_db, tenant, workers, fake_ci):
    fake_ci.not_found.add(404)
    ci_server_set(project=tenant.project, url=fake_ci.url, token="t")
    build = settled(link(tenant.project, gitlab_tags(404)), workers)
    assert build.enrichment_status == EnrichmentStatus.NOT_FOUND
    assert "404" in build.enrichment_reason and "/jobs/404" in build.enrichment_reason
    assert build.enrichment_attempts == 1
    assert build.job_web_url == GITLAB_TAGS["gitlab.CI_JOB_URL"]  # what the tags said is kept


def test_ci_server_down_then_back_is_retried_until_it_answers(transactional_db, tenant, workers):
    with socket.socket() as probe:  # a port nobody listens on, until the fake starts on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ci_server_set(project=tenant.project, url=f"http://127.0.0.1:{port}", token="t")
    build = link(tenant.project, gitlab_tags(502))

    wait_for(
        lambda: CiBuild.objects.filter(pk=build.pk, enrichment_attempts__gte=2).exists(),
        what="two failed attempts",
        workers=workers,
    )
    waiting = CiBuild.objects.get(pk=build.pk)
    assert waiting.enrichment_status == EnrichmentStatus.PENDING
    assert "cannot reach" in waiting.enrichment_reason

    fake = FakeCi(port=port).start()
    try:
        build = settled(build, workers)
    finally:
        fake.stop()
    assert build.enrichment_status == EnrichmentStatus.OK, build.enrichment_reason
    assert build.job_name == "train-model"
    assert build.enrichment_attempts >= 3


def test_slow_ci_server_times_out_and_gives_up_after_the_maximum(transactional_db, tenant, workers, fake_ci):
    fake_ci.slow.add(503)
    fake_ci.slow_seconds = 3
    ci_server_set(project=tenant.project, url=fake_ci.url, token="t", timeout_seconds=1)
    build = settled(link(tenant.project, gitlab_tags(503)), workers)
    assert build.enrichment_status == EnrichmentStatus.FAILED
    assert "Gave up after 4 attempts" in build.enrichment_reason  # ASSAY_CI_MAX_RETRIES=3 in the worker
    assert "no answer within 1s" in build.enrichment_reason
    assert build.enrichment_attempts == 4
    assert fake_ci.hits("/jobs/503") == 4


def test_broker_down_leaves_the_record_pending_and_the_sweep_enqueues_it(
    transactional_db, tenant, workers, broker, fake_ci
):
    ci_server_set(project=tenant.project, url=fake_ci.url, token="t")
    broker_use(DEAD_BROKER_URL)
    try:
        build = link(tenant.project, gitlab_tags(504))
    finally:
        broker_use(TEST_REDIS_URL, broker)
    assert build.enrichment_status == EnrichmentStatus.PENDING
    assert build.enqueued_at is None and "broker was unreachable" in build.enrichment_reason

    tasks.ci_build_sweep.delay()  # what beat sends every ASSAY_CI_SWEEP_INTERVAL seconds
    build = settled(build, workers)
    assert build.enrichment_status == EnrichmentStatus.OK, build.enrichment_reason
    assert build.job_name == "train-model" and build.enrichment_attempts == 1


def test_a_task_whose_worker_is_killed_runs_again_on_a_new_worker(transactional_db, tenant, workers, fake_ci):
    fake_ci.stall_once.add(505)
    ci_server_set(project=tenant.project, url=fake_ci.url, token="t", timeout_seconds=20)
    build = link(tenant.project, gitlab_tags(505))

    assert fake_ci.stalled.wait(30), workers.log()[-3000:]
    workers.kill()  # mid-request: the message was not acknowledged (acks_late)
    assert CiBuild.objects.get(pk=build.pk).enrichment_status == EnrichmentStatus.PENDING
    workers.start()

    build = settled(build, workers)
    assert build.enrichment_status == EnrichmentStatus.OK, build.enrichment_reason
    assert build.enrichment_attempts == 2
    assert fake_ci.hits("/jobs/505") == 2
