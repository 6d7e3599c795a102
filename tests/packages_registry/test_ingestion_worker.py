"""Ingestion by a REAL Celery worker on the test's own broker keys (tests/broker.py) against the test database,
including a broker outage at upload time that the periodic sweep recovers from."""

import hashlib
import io
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image

from packages_registry.models import IngestionStatus, PackageFile
from packages_registry.tasks import sweep_pending_files
from tests.broker import DEAD_BROKER_URL, TEST_REDIS_URL, broker_use, own_broker, worker_command, worker_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """(media dir, worker log, broker key prefix)"""
    with own_broker("artifacts") as prefix:
        media = tmp_path_factory.mktemp("media")
        log = media / "worker.log"
        process = subprocess.Popen(
            worker_command(queue="artifacts", name="artifacts"),
            cwd=ROOT,
            env=worker_env(prefix, MEDIA_ROOT=str(media)),
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while b" ready." not in log.read_bytes():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("worker did not start:\n" + log.read_text(errors="replace")[-3000:])
                time.sleep(0.1)
            yield media, log, prefix
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest.fixture
def shared_storage(settings, worker):
    """The test process and the worker use the same artifacts directory."""
    from django.core.files.storage import storages

    media, _, _ = worker
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
    _, log, prefix = worker
    image = png()
    response = put(client, tenant, "imgs/1.0/plot.png", image)
    assert response.status_code == 201
    ingested = wait_ready(response.json()["package_file"]["id"], log)
    assert ingested.ingestion_status == IngestionStatus.READY
    assert ingested.sha256 == hashlib.sha256(image).hexdigest() and ingested.thumbnail

    broker_use(DEAD_BROKER_URL)
    try:
        down = put(client, tenant, "imgs/1.0/later.txt", b"uploaded while the broker was down\n")
    finally:
        broker_use(TEST_REDIS_URL, prefix)
    assert down.status_code == 201  # the upload does not depend on the broker
    file_id = down.json()["package_file"]["id"]
    time.sleep(1)
    assert PackageFile.objects.get(pk=file_id).ingestion_status == IngestionStatus.PENDING

    # The beat entry's task, sent through the broker: the worker sweeps and then ingests the left-over file.
    sweep_pending_files.apply_async(kwargs={"older_than_seconds": 0})
    recovered = wait_ready(file_id, log)
    assert recovered.ingestion_status == IngestionStatus.READY
    assert recovered.preview_text == "uploaded while the broker was down"
