"""Celery tasks (queue `artifacts`): thin, idempotent wrappers around services; they take ids."""

from celery import shared_task

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
    """Periodic: queue ingestion for files left pending (e.g. the broker was down when they were uploaded)."""
    return services.ingestion_enqueue(
        file_ids=services.package_files_pending_ids(older_than_seconds=older_than_seconds)
    )
