"""Live Celery workers for the status page: who answers a broadcast `ping` within a short timeout.

`inspect().ping(timeout=…)` waits that long for replies, but connecting to (and publishing on) a broker that
accepts TCP and never answers can block well past it, so the ping runs in a worker thread under one hard deadline:
the page never hangs on the broker, it says "no answer".
"""

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from django.db import connection

from config.celery import app

PING_TIMEOUT = 1.0  # seconds workers have to reply
DEADLINE_SLACK = 1.0  # on top of it: connecting and publishing the broadcast


@dataclass
class WorkerPing:
    configured: bool
    workers: list[str] = field(default_factory=list)
    error: str = ""


def _ping(timeout: float) -> list[str]:
    try:
        replies = app.control.inspect(timeout=timeout).ping() or {}
    finally:
        connection.close()  # nothing here uses the database, but a thread must leave no connection behind
    return sorted(replies)


def workers_ping(*, timeout: float = PING_TIMEOUT) -> WorkerPing:
    """The names of the workers that answered, or why none could be asked."""
    if app.conf.task_always_eager:
        return WorkerPing(configured=False)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="worker-ping")
    try:
        future = pool.submit(_ping, timeout)
        try:
            return WorkerPing(configured=True, workers=future.result(timeout=timeout + DEADLINE_SLACK))
        except FutureTimeout:
            return WorkerPing(
                configured=True, error=f"the broker did not answer within {timeout + DEADLINE_SLACK:g} s"
            )
        except Exception as exc:  # a refused or broken broker: say what, never a 500 on the status page
            return WorkerPing(configured=True, error=f"{type(exc).__name__}: {exc}"[:200])
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
