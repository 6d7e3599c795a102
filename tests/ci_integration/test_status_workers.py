"""The status page shows live workers (a Celery ping with a short timeout) and never hangs on the broker."""

import socket
import time

import pytest

from ci_integration.workers import workers_ping
from config.celery import app as celery_app
from tests.broker import DEAD_BROKER_URL, broker_switched, own_broker

pytestmark = pytest.mark.django_db


@pytest.fixture
def silent_broker():
    """A TCP server on 127.0.0.1 that accepts connections (the kernel's backlog) and never says a word."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    try:
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    finally:
        server.close()


def test_without_a_broker_the_page_says_tasks_run_in_process(admin_client, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    page = admin_client.get("/-/ci/status").content.decode()
    assert "there are no workers to ask" in page


def test_a_silent_broker_does_not_hang_the_page(admin_client, silent_broker):
    with broker_switched(silent_broker):
        started = time.monotonic()
        response = admin_client.get("/-/ci/status")
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert "Could not ask the workers" in response.content.decode()
    assert (
        elapsed < 8
    )  # queue depths (2 s socket timeout) + the ping's 2 s deadline, never the broker's mercy


def test_a_refused_broker_is_reported(silent_broker):
    with broker_switched(DEAD_BROKER_URL):
        started = time.monotonic()
        ping = workers_ping(timeout=1)
    assert ping.configured and ping.error and not ping.workers
    assert time.monotonic() - started < 3


def test_a_live_broker_without_workers_says_none_answered(admin_client):
    with own_broker("status-ping"):
        started = time.monotonic()
        ping = workers_ping(timeout=1)
        assert time.monotonic() - started < 3
        page = admin_client.get("/-/ci/status").content.decode()
    assert ping.configured and ping.error == "" and ping.workers == []
    assert "No worker answered a ping" in page


def test_the_status_page_is_linked_for_staff_only(admin_client, client, tenant):
    assert 'href="/-/ci/status"' in admin_client.get("/").content.decode()
    client.force_login(tenant.developer)
    assert 'href="/-/ci/status"' not in client.get("/").content.decode()


def test_the_admin_index_links_the_status_page(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert 'id="operations-module"' in page and 'href="/-/ci/status"' in page
    assert 'id="recent-actions-module"' in page  # the admin's own sidebar is still there
