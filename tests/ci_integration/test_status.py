"""Operator views: the write-only token in the admin, the staff-only status page, the assay_status command."""

import time
import uuid
from io import StringIO

import pytest
import redis
from django.core.management import call_command
from kombu.transport.redis import PRIORITY_STEPS, Channel

from ci_integration.crypto import secret_decrypt
from ci_integration.models import CiBuild, CiServer, EnrichmentStatus
from ci_integration.selectors import QUEUES
from ci_integration.services import ci_link_candidate_from_metadata
from config.celery import app as celery_app
from tests.broker import TEST_REDIS_URL, broker_switched

from .factories import GITLAB_TAGS, candidate_make


def _builds(project):
    """One CI record per enrichment state."""
    for status in (EnrichmentStatus.PENDING, EnrichmentStatus.FAILED, EnrichmentStatus.NOT_FOUND):
        candidate = candidate_make(project, tags=GITLAB_TAGS)
        ci_link_candidate_from_metadata(candidate_id=candidate.pk, names=["gitlab.CI_JOB_ID"])
        CiBuild.objects.filter(candidate=candidate).update(
            enrichment_status=status, enrichment_reason=f"reason for {status}"
        )


@pytest.mark.smoke
@pytest.mark.django_db
def test_ci_server_token_is_stored_encrypted_and_never_shown_again(admin_client, tenant):
    url = "/admin/ci_integration/ciserver/"
    form = {
        "project": tenant.project.pk,
        "provider": "gitlab",
        "url": "https://gitlab.example.com",
        "ci_project": "acme/vision",
        "timeout_seconds": 10,
        "enabled": "on",
    }
    response = admin_client.post(url + "add/", {**form, "token": "glpat-very-secret"})
    assert response.status_code == 302, response.content[:2000]
    server = CiServer.objects.get(project=tenant.project)
    assert "very-secret" not in server.token_encrypted
    assert secret_decrypt(server.token_encrypted) == "glpat-very-secret"

    page = admin_client.get(f"{url}{server.pk}/change/").content.decode()
    assert "glpat-very-secret" not in page and server.token_encrypted not in page
    assert 'type="password"' in page

    admin_client.post(f"{url}{server.pk}/change/", {**form, "token": "", "ci_project": "45"})
    server.refresh_from_db()
    assert server.ci_project == "45" and secret_decrypt(server.token_encrypted) == "glpat-very-secret"

    admin_client.post(f"{url}{server.pk}/change/", {**form, "token": "", "clear_token": "on"})
    server.refresh_from_db()
    assert server.token_encrypted == "" and not server.has_token


@pytest.mark.smoke
@pytest.mark.django_db
def test_status_page_is_for_staff_only_and_shows_stuck_work(client, admin_client, tenant, assert_query_count):
    _builds(tenant.project)
    assert client.get("/-/ci/status").status_code == 302  # anonymous: to the admin sign-in
    client.force_login(tenant.developer)  # a project member but not staff
    assert client.get("/-/ci/status").status_code == 302

    with assert_query_count("ci_status_page"):
        response = admin_client.get("/-/ci/status")
    assert response.status_code == 200
    page = response.content.decode()
    assert "pending 1 · failed 1 · not found 1" in page
    assert "reason for failed" in page


CLAIM = "assay-test:claim:unprefixed-broker-keys"


def _unprefixed_broker_keys() -> list[str]:
    """What assay_status reads: kombu's own names for our queues (every priority) and the unacked hash."""
    return [
        f"{queue}{Channel.sep}{step}" if step else queue for queue in QUEUES for step in PRIORITY_STEPS
    ] + ["unacked"]


@pytest.fixture
def redis_broker():
    """assay_status reads kombu's unprefixed keys, and TEST_REDIS_URL is shared: the test claims those keys with a
    marker key (waiting while another session holds it), refuses to touch them if they already hold someone else's
    messages, and afterwards deletes only them and its marker."""
    client = redis.Redis.from_url(TEST_REDIS_URL)
    token = uuid.uuid4().hex
    deadline = time.monotonic() + 60
    while not client.set(CLAIM, token, nx=True, ex=120):
        if time.monotonic() > deadline:
            pytest.skip(f"another session has held {CLAIM} on {TEST_REDIS_URL} for a minute")
        time.sleep(0.2)
    keys = _unprefixed_broker_keys()
    foreign = [key for key in keys if client.exists(key)]
    if foreign:
        client.delete(CLAIM)
        pytest.skip(f"{TEST_REDIS_URL} holds an unprefixed Celery broker's keys {foreign}; not touching them")
    try:
        with broker_switched(TEST_REDIS_URL):
            yield client
    finally:
        client.delete(*keys)
        if client.get(CLAIM) == token.encode():
            client.delete(CLAIM)
        client.close()


@pytest.mark.django_db
def test_assay_status_prints_queue_depths_and_counts(tenant, redis_broker):
    _builds(tenant.project)
    redis_broker.lpush("ci", "m1", "m2", "m3")
    redis_broker.lpush("ci\x06\x169", "m4")  # kombu's key for priority 9 of the ci queue
    redis_broker.lpush("artifacts", "m5")
    out = StringIO()
    call_command("assay_status", stdout=out)
    lines = out.getvalue().splitlines()
    assert "queue ci: 4" in lines and "queue artifacts: 1" in lines and "queue default: 0" in lines
    assert any(line.startswith("enrichment: pending 1, failed 1,") for line in lines)
    assert any("reason for failed" in line for line in lines)


@pytest.mark.smoke
@pytest.mark.django_db
def test_assay_status_without_a_broker_says_so(tenant, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    _builds(tenant.project)
    out = StringIO()
    call_command("assay_status", stdout=out)
    assert "broker: not configured (tasks run in-process)" in out.getvalue()
    assert "enrichment: pending 1, failed 1," in out.getvalue()
