"""Readiness checks: the database, the Celery broker (when configured) and artifact storage.

Each check returns None when healthy or a short message. The broker and storage checks run side by side in
worker threads and are given `settings.MONITORING_CHECK_TIMEOUT` seconds in all, so a broker or bucket that
accepts connections and never answers turns into a failed check, not a hung probe.
"""

import os
import tempfile
from concurrent.futures import ThreadPoolExecutor, wait

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import connection


def database_check() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not ready"; the message says which
        return f"database: {type(exc).__name__}"
    return None


def broker_check(*, url: str, timeout: float) -> str | None:
    if url.startswith(("redis://", "rediss://", "unix://")):
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
        return None
    from kombu import Connection

    with Connection(url, connect_timeout=timeout) as conn:
        conn.ensure_connection(max_retries=1, timeout=timeout)
    return None


def storage_check() -> str | None:
    storage = storages["artifacts"]
    if isinstance(storage, FileSystemStorage):
        # Really write: permission bits say nothing when the server runs as root, and a full or read-only
        # disk only shows on a write. The folder is created as the storage itself would on the first upload.
        try:
            os.makedirs(storage.location, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=storage.location, prefix=".readiness-") as probe:
                probe.write(b"ok")
                probe.flush()
        except OSError as exc:
            return f"storage: cannot write to the artifact folder ({exc.strerror or type(exc).__name__})"
        return None
    storage.exists(".assay-readiness")  # S3: one HEAD request (a missing key is fine, an error is not)
    return None


def _guarded(check, **kwargs) -> str | None:
    try:
        return check(**kwargs)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:200]
    finally:
        # A worker thread has its own database connection slot; leave nothing open behind it.
        connection.close()


def readiness_checks() -> dict[str, str | None]:
    """{check name: None or a failure message} for `db_check`, `broker_check` (if configured), `storage_check`."""
    timeout = settings.MONITORING_CHECK_TIMEOUT
    results: dict[str, str | None] = {"db_check": database_check()}
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="readiness")
    try:
        futures = {"storage_check": pool.submit(_guarded, storage_check)}
        if settings.CELERY_BROKER_URL:
            futures["broker_check"] = pool.submit(
                _guarded, broker_check, url=settings.CELERY_BROKER_URL, timeout=timeout
            )
        wait(futures.values(), timeout=timeout + 0.5)  # one deadline for all, not one per check
        for name, future in futures.items():
            if future.done():
                results[name] = future.result()
            else:
                results[name] = f"{name.removesuffix('_check')}: no answer within {timeout:g} s"
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return results
