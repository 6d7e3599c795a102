"""Celery tasks (queue `artifacts`): thin, idempotent wrappers around services; they take ids."""

import time

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError, ConnectionError),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=6,
)
def ingest_package_file(self, file_id: int) -> str:
    """Ingest one package file. Storage hiccups retry with backoff; anything else marks the file failed."""
    if settings.ASSAY_INGEST_TEST_DELAY:
        time.sleep(settings.ASSAY_INGEST_TEST_DELAY)
    try:
        package_file = services.package_file_ingest(file_id=file_id)
    except (OSError, ConnectionError) as exc:
        if self.request.retries >= self.max_retries:
            services.package_file_mark_failed(file_id=file_id, reason=f"{type(exc).__name__}: {exc}")
            return "failed"
        raise
    except Exception as exc:
        services.package_file_mark_failed(file_id=file_id, reason=f"{type(exc).__name__}: {exc}")
        return "failed"
    return "gone" if package_file is None else package_file.ingestion_status


@shared_task(acks_late=True)
def sweep_pending_files(older_than_seconds: int = 120) -> int:
    """Queue ingestion for files left pending (the broker was down when they were uploaded, or a worker died
    holding their message). Run by beat and by every `artifacts` worker when it starts; duplicates are no-ops."""
    services.publish_pause.clear()  # a sweep is the retry: always try the broker
    return services.ingestion_enqueue(
        file_ids=services.package_files_pending_ids(older_than_seconds=older_than_seconds)
    )


@shared_task(acks_late=True)
def collect_orphans(min_age_hours: int | None = None) -> dict:
    """Periodic: remove storage objects no row points at (killed uploads, cascaded deletes) and abandoned S3
    multipart uploads, older than `min_age_hours` (settings.ASSAY_ORPHAN_MIN_AGE_HOURS by default)."""
    hours = settings.ASSAY_ORPHAN_MIN_AGE_HOURS if min_age_hours is None else min_age_hours
    return services.storage_orphans_collect(min_age_hours=hours).as_dict()
