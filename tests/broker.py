"""Redis for the tests that run a real Celery broker: one setting, and no test flushes what it did not create.

`TEST_REDIS_URL` (default `redis://127.0.0.1:6379/15`, what `scripts/test` exports) is the only Redis setting; it is
shared with other sessions (xdist workers, another checkout's suite on the same server). So nothing here flushes a
database: a test's broker keeps all its keys (queues, unacked messages, bindings) under a key prefix of its own
(kombu's `global_keyprefix`, `assay-test:<purpose>:<random>:`), test and worker processes alike, and teardown
deletes the keys under that prefix and nothing else.
"""

import os
import sys
import uuid
from contextlib import contextmanager
from urllib.parse import quote

import redis
from django.conf import settings

from config.celery import app as celery_app

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PREFIX_ENV = "ASSAY_TEST_BROKER_PREFIX"  # read by tests/celery_app.py in the worker processes
DEAD_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def broker_use(url: str, prefix: str = "") -> None:
    """Point this process's Celery app at `url`, its keys under `prefix`, with tasks sent (not run eagerly)."""
    options = dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    if prefix:
        options["global_keyprefix"] = prefix
    celery_app.conf.broker_url = url
    celery_app.conf.broker_transport_options = options
    celery_app.conf.task_always_eager = False
    celery_app._pool = None  # drop connections and producers made for another broker URL or prefix
    celery_app.amqp._producer_pool = None


def keys_delete(prefix: str) -> int:
    """Delete the keys under `prefix` (ours), and only those."""
    assert prefix.startswith("assay-test:") and not any(c in prefix for c in "*?[]\\")
    client = redis.Redis.from_url(TEST_REDIS_URL)
    try:
        keys = list(client.scan_iter(match=prefix + "*", count=1000))
        return client.delete(*keys) if keys else 0
    finally:
        client.close()


@contextmanager
def broker_switched(url: str, prefix: str = ""):
    """This process's Celery app on `url` (keys under `prefix`) for the duration, then as it was."""
    conf = celery_app.conf
    before = (conf.broker_url, conf.broker_transport_options, conf.task_always_eager)
    broker_use(url, prefix)
    try:
        yield
    finally:
        conf.broker_url, conf.broker_transport_options, conf.task_always_eager = before
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


@contextmanager
def own_broker(purpose: str):
    """A broker of our own on TEST_REDIS_URL for the duration: yields its key prefix, then removes its keys."""
    prefix = f"assay-test:{purpose}:{uuid.uuid4().hex[:12]}:"
    try:
        with broker_switched(TEST_REDIS_URL, prefix):
            yield prefix
    finally:
        keys_delete(prefix)


def worker_database_url() -> str:
    """A DATABASE_URL for worker processes: the test database pytest-django created, on the same server."""
    db = settings.DATABASES["default"]
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = quote(db.get("HOST") or "", safe="")  # a socket directory is percent-encoded
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(db['NAME'], safe='')}"


def worker_command(*, queue: str, name: str) -> list[str]:
    """`celery worker` for one queue, with the project's app as tests/celery_app.py adjusts it."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "tests.celery_app",
        "worker",
        "-Q",
        queue,
        "-c",
        "1",
        "-P",
        "prefork",
        "-l",
        "INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"{name}-{uuid.uuid4().hex[:8]}@%h",
    ]


def worker_env(prefix: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "CELERY_BROKER_URL": TEST_REDIS_URL,
        PREFIX_ENV: prefix,
        "DATABASE_URL": worker_database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        **extra,
    }
