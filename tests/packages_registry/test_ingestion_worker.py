"""Ingestion by a REAL Celery worker on Redis db 1 against the test database, including a broker outage at
upload time that the periodic sweep recovers from."""

import hashlib
import io
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings
from PIL import Image

from config.celery import app as celery_app
from packages_registry.models import IngestionStatus, PackageFile
from packages_registry.tasks import sweep_pending_files

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("ASSAY_ARTIFACTS_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the worker needs a shared PostgreSQL",
)


def _use_broker(url: str) -> None:
    celery_app.conf.broker_url = url
    celery_app.conf.task_always_eager = False
    celery_app._pool = None  # drop connections and producers made for another broker URL
    celery_app.amqp._producer_pool = None


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, tmp_path_factory):
    before = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    redis.Redis.from_url(REDIS_URL).flushdb()
    _use_broker(REDIS_URL)
    media = tmp_path_factory.mktemp("media")
    log = media / "worker.log"
    parts = urlsplit(os.environ["DATABASE_URL"])
    env = {
        **os.environ,
        "CELERY_BROKER_URL": REDIS_URL,
        "DATABASE_URL": urlunsplit(parts._replace(path="/" + settings.DATABASES["default"]["NAME"])),
        "DATABASE_CONN_MAX_AGE": "0",
        "MEDIA_ROOT": str(media),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            "artifacts",
            "-c",
            "1",
            "-l",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"artifacts-{uuid.uuid4().hex[:8]}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while b" ready." not in log.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("worker did not start:\n" + log.read_text(errors="replace")[-3000:])
        time.sleep(0.1)
    yield media, log
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = before
    celery_app._pool = None


@pytest.fixture
def shared_storage(settings, worker):
    """The test process and the worker use the same artifacts directory."""
    from django.core.files.storage import storages

    media, _ = worker
    settings.STORAGES = {
        **settings.STORAGES,
        "artifacts": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media / "packages")},
        },
    }
    storages._storages.pop("artifacts", None)
    yield
    storages._storages.pop("artifacts", None)


def wait_ready(file_id: int, log: Path, timeout: float = 60) -> PackageFile:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        package_file = PackageFile.objects.get(pk=file_id)
        if package_file.ingestion_status != IngestionStatus.PENDING:
            return package_file
        time.sleep(0.2)
    raise AssertionError("file still pending; worker log:\n" + log.read_text(errors="replace")[-3000:])


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 300), (0, 128, 0)).save(out, format="PNG")
    return out.getvalue()


def put(client, tenant, path, data):
    return client.put(
        f"/api/v4/projects/{tenant.project.pk}/packages/generic/{path}",
        data,
        content_type="application/octet-stream",
        HTTP_PRIVATE_TOKEN=tenant.write_token,
    )


def test_worker_ingests_uploads_and_the_sweep_recovers_files_uploaded_while_the_broker_was_down(
    transactional_db, client, tenant, worker, shared_storage
):
    _, log = worker
    image = png()
    response = put(client, tenant, "imgs/1.0/plot.png", image)
    assert response.status_code == 201
    ingested = wait_ready(response.json()["package_file"]["id"], log)
    assert ingested.ingestion_status == IngestionStatus.READY
    assert ingested.sha256 == hashlib.sha256(image).hexdigest() and ingested.thumbnail

    _use_broker("redis://127.0.0.1:1/1")  # nothing listens on port 1
    try:
        down = put(client, tenant, "imgs/1.0/later.txt", b"uploaded while the broker was down\n")
    finally:
        _use_broker(REDIS_URL)
    assert down.status_code == 201  # the upload does not depend on the broker
    file_id = down.json()["package_file"]["id"]
    time.sleep(1)
    assert PackageFile.objects.get(pk=file_id).ingestion_status == IngestionStatus.PENDING

    # The beat entry's task, sent through the broker: the worker sweeps and then ingests the left-over file.
    sweep_pending_files.apply_async(kwargs={"older_than_seconds": 0})
    recovered = wait_ready(file_id, log)
    assert recovered.ingestion_status == IngestionStatus.READY
    assert recovered.preview_text == "uploaded while the broker was down"
