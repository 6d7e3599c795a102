"""/-/readiness: database, broker (when configured) and storage, with GitLab's JSON; 503 when a check fails.

The broker failures are real: a TCP server on 127.0.0.1 that accepts connections and never answers, and a port
nobody listens on.
"""

import os
import socket
import threading
import time

import pytest
from django.test import override_settings

pytestmark = [pytest.mark.django_db]

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")


@pytest.fixture
def silent_broker():
    """A real TCP listener that accepts every connection and never sends a byte."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted, stop = [], threading.Event()

    def accept_forever():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept_forever, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0", accepted
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


@pytest.fixture
def closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there any more: connections are refused
    return port


def test_ready_without_a_broker(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/-/readiness")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "db_check": [{"status": "ok"}],
        "storage_check": [{"status": "ok"}],
    }


def test_ready_with_a_live_redis_broker(client, settings):
    settings.CELERY_BROKER_URL = REDIS_URL
    response = client.get("/-/readiness")
    assert response.status_code == 200, response.json()
    assert response.json()["broker_check"] == [{"status": "ok"}]


def test_a_silent_broker_fails_readiness_quickly(client, settings, silent_broker):
    url, accepted = silent_broker
    settings.CELERY_BROKER_URL = url
    settings.MONITORING_CHECK_TIMEOUT = 1
    started = time.monotonic()
    response = client.get("/-/readiness")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failed" and body["db_check"] == [{"status": "ok"}]
    assert body["broker_check"][0]["status"] == "failed" and body["broker_check"][0]["message"]
    assert accepted, "the check really connected to the silent server"
    # Not a performance assertion: a check without socket timeouts would wait on the silent peer forever.
    assert elapsed < 30


def test_a_refused_broker_fails_readiness(client, settings, closed_port):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port}/0"
    response = client.get("/-/readiness")
    assert response.status_code == 503
    assert response.json()["broker_check"][0]["status"] == "failed"
    assert "Connection" in response.json()["broker_check"][0]["message"]


def test_storage_that_cannot_be_written_fails_readiness(client, tmp_path):
    # A regular file where the artifact folder's parent should be: no user, root included, can write there.
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "artifacts": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "packages")},
        },
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, CELERY_BROKER_URL=""):
        response = client.get("/-/readiness")
    assert response.status_code == 503
    check = response.json()["storage_check"][0]
    assert check["status"] == "failed" and check["message"].startswith(
        "storage: cannot write to the artifact folder"
    )
    assert response.json()["db_check"] == [{"status": "ok"}]
