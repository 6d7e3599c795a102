"""A Celery worker killed whole (SIGKILL to its main process and pool child) while it holds ingestion messages:
after a restart, without beat and without an operator, every pending file is ingested. Before, the messages it
held sat unacknowledged in Redis for the visibility timeout (an hour) and the files stayed pending."""

import io
import os
import time

import pytest
import redis
from django.conf import settings

from config.celery import app as celery_app
from packages_registry import services
from packages_registry.models import IngestionStatus, PackageFile
from tests.packages_registry.live import Worker, process_env

REDIS_URL = os.environ.get("ASSAY_ARTIFACTS_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")

pytestmark = pytest.mark.django_db(transaction=True)


def _use_broker(url: str | None) -> None:
    celery_app.conf.broker_url = url
    celery_app.conf.task_always_eager = url is None
    celery_app._pool = None  # drop connections and producers made for another broker URL
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker(tmp_path, settings):
    from django.core.files.storage import storages

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    before = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    _use_broker(REDIS_URL)
    settings.STORAGES = {
        **settings.STORAGES,
        "artifacts": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                      "OPTIONS": {"location": str(tmp_path / "packages")}},
    }  # fmt: skip
    storages._storages.pop("artifacts", None)
    yield client
    storages._storages.pop("artifacts", None)
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = before
    celery_app._pool = None
    client.flushdb()
    client.close()


def statuses(ids: list[int]) -> set[str]:
    return set(PackageFile.objects.filter(pk__in=ids).values_list("ingestion_status", flat=True))


def test_pending_files_are_ingested_after_the_worker_is_killed_mid_ingestion_and_restarted(
    tenant, broker, tmp_path
):
    # Each ingestion first sleeps 60 s, so the worker is certainly mid-task when it is killed.
    worker = Worker(tmp_path, process_env(tmp_path, broker=REDIS_URL, ASSAY_INGEST_TEST_DELAY="60"))
    worker.start()
    try:
        package = services.package_get_or_create(project=tenant.project, name="p", version="1")
        ids = [
            services.package_file_upload(
                package=package, path=f"f{i}.txt", stream=io.BytesIO(b"line %d\n" % i)
            ).pk
            for i in range(3)
        ]
        deadline = time.monotonic() + 60
        while b"ingest_package_file" not in b"".join(p.read_bytes() for p in tmp_path.glob("worker-*.log")):
            assert time.monotonic() < deadline, worker.logs()[-3000:]
            time.sleep(0.1)
        time.sleep(1)  # the pool child is now in its 60 s delay
        worker.kill()
        assert broker.hlen("unacked") >= 1  # the dead worker's messages: invisible for the visibility timeout
        assert statuses(ids) == {IngestionStatus.PENDING}

        worker.env = {**worker.env, "ASSAY_INGEST_TEST_DELAY": "0"}
        worker.start()  # no beat, no operator: the worker's own start-up sweep re-queues the pending files
        deadline = time.monotonic() + 120
        while statuses(ids) != {IngestionStatus.READY}:
            assert time.monotonic() < deadline, (statuses(ids), worker.logs()[-3000:])
            time.sleep(0.3)
        previews = dict(PackageFile.objects.filter(pk__in=ids).values_list("path", "preview_text"))
        assert previews == {f"f{i}.txt": f"line {i}" for i in range(3)}
        assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] == 3600  # not what saved them
    finally:
        worker.stop()
