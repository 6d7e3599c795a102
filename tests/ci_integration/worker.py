"""A real Celery worker subprocess on Redis db 2, consuming the `ci` queue, against the test database."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import redis
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("ASSAY_CI_TEST_REDIS_URL", "redis://127.0.0.1:6379/2")
WORKER_ENV = {
    "CELERY_BROKER_URL": REDIS_URL,
    # Short, so a message held by a killed worker is handed out again within seconds.
    "CELERY_VISIBILITY_TIMEOUT": "4",
    "CELERY_UNACKED_RESTORE_INTERVAL": "1",
    "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    "ASSAY_CI_MAX_RETRIES": "3",
    "ASSAY_CI_RETRY_BACKOFF_MS": "300",
    "DATABASE_CONN_MAX_AGE": "0",
}


def test_database_url() -> str:
    """DATABASE_URL with the test database's name (pytest-django created it and points settings at it)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + settings.DATABASES["default"]["NAME"]))


class Workers:
    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.process: subprocess.Popen | None = None
        self.started = 0

    def start(self) -> None:
        self.started += 1
        log = self.log_dir / f"worker-{self.started}.log"
        env = {**os.environ, **WORKER_ENV, "DATABASE_URL": test_database_url()}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                "ci",
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
                f"ci-test-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while b" ready." not in log.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "the Celery worker did not start:\n" + log.read_text(errors="replace")[-3000:]
                )
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children): nothing gets to ack or clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.log_dir.glob("worker-*.log")))


def redis_flush() -> None:
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    client.close()
