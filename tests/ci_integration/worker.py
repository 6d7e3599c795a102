"""A real Celery worker subprocess consuming the `ci` queue of a test's own broker (tests/broker.py), against the
test database."""

import os
import signal
import subprocess
import time
from pathlib import Path

from tests.broker import worker_command, worker_env

ROOT = Path(__file__).resolve().parents[2]
WORKER_SETTINGS = {
    # Short, so a message held by a killed worker is handed out again within seconds.
    "CELERY_VISIBILITY_TIMEOUT": "4",
    "CELERY_UNACKED_RESTORE_INTERVAL": "1",
    "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    "ASSAY_CI_MAX_RETRIES": "3",
    "ASSAY_CI_RETRY_BACKOFF_MS": "300",
}


class Workers:
    def __init__(self, log_dir: Path, prefix: str):
        self.log_dir = log_dir
        self.prefix = prefix
        self.process: subprocess.Popen | None = None
        self.started = 0

    def start(self) -> None:
        self.started += 1
        log = self.log_dir / f"worker-{self.started}.log"
        self.process = subprocess.Popen(
            worker_command(queue="ci", name="ci-test"),
            cwd=ROOT,
            env=worker_env(self.prefix, **WORKER_SETTINGS),
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
