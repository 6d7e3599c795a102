"""Celery tasks of the `ci` queue: thin wrappers around services, idempotent, safe to run twice."""

import random

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from . import services
from .clients import CiUnavailable


def retry_countdown(retries: int) -> float:
    """Exponential backoff with jitter: base * 2**retries, capped, scaled by a random factor in [0.5, 1]."""
    delay_ms = min(settings.ASSAY_CI_RETRY_BACKOFF_MS * 2**retries, settings.ASSAY_CI_RETRY_BACKOFF_MAX_MS)
    return delay_ms / 1000 * random.uniform(0.5, 1.0)


@shared_task(
    bind=True,
    name="ci_integration.tasks.ci_build_enrich",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # bounded below by ASSAY_CI_MAX_RETRIES, read at run time
    soft_time_limit=120,
    time_limit=150,
)
def ci_build_enrich(self, build_id: int) -> str | None:
    try:
        build = services.ci_build_enrich(build_id=build_id)
    except (CiUnavailable, SoftTimeLimitExceeded) as exc:
        reason = str(exc) or "the attempt ran past its time limit"
        attempts = self.request.retries + 1
        if self.request.retries >= settings.ASSAY_CI_MAX_RETRIES:
            services.ci_build_mark_failed(
                build_id=build_id, reason=f"Gave up after {attempts} attempts: {reason}"
            )
            return "failed"
        services.ci_build_note(build_id=build_id, reason=f"Attempt {attempts} failed, will retry: {reason}")
        raise self.retry(countdown=retry_countdown(self.request.retries)) from exc
    return build.enrichment_status if build else None


@shared_task(name="ci_integration.tasks.ci_build_sweep", soft_time_limit=240, time_limit=300)
def ci_build_sweep() -> int:
    return services.ci_build_sweep()
