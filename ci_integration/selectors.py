"""Reads for CI records, and the operator's status snapshot (queue depths, stuck ingestion/enrichment)."""

from django.apps import apps
from django.db.models import Count, Min

from config.celery import app

from .models import CiBuild, EnrichmentStatus

QUEUES = ("default", "artifacts", "ci")


def ci_builds_for_candidates(candidate_ids) -> dict[int, CiBuild]:
    """{candidate_id: CiBuild} for the candidates that have a CI record, in one query."""
    candidate_ids = list(candidate_ids)
    if not candidate_ids:
        return {}
    return {build.candidate_id: build for build in CiBuild.objects.filter(candidate_id__in=candidate_ids)}


def ci_build_for_candidate(candidate) -> CiBuild | None:
    return CiBuild.objects.filter(candidate_id=candidate.pk).first()


def _broker_queue_depths() -> dict:
    """LLEN of each Celery queue on a Redis broker (all priority sub-lists), plus unacknowledged messages."""
    url = app.conf.broker_url or ""
    if app.conf.task_always_eager or not url.startswith(("redis://", "rediss://")):
        return {
            "broker": "not configured (tasks run in-process)" if app.conf.task_always_eager else url,
            "queues": {},
            "unacked": None,
            "error": "",
        }
    import redis
    from kombu.transport.redis import PRIORITY_STEPS, Channel

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    sep = Channel.sep
    try:
        queues = {}
        for queue in QUEUES:
            keys = [queue] + [f"{queue}{sep}{step}" for step in PRIORITY_STEPS if step]
            queues[queue] = sum(client.llen(key) for key in keys)
        unacked = client.hlen("unacked")
    except redis.RedisError as exc:
        return {"broker": _redact(url), "queues": {}, "unacked": None, "error": str(exc)}
    finally:
        client.close()
    return {"broker": _redact(url), "queues": queues, "unacked": unacked, "error": ""}


def _redact(url: str) -> str:
    if "@" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def _counts(model, field: str, pending: str, failed: str, date_field: str) -> dict:
    rows = model.objects.values(field).annotate(n=Count("pk"), oldest=Min(date_field))
    by_status = {row[field]: row for row in rows}
    return {
        "pending": by_status.get(pending, {}).get("n", 0),
        "failed": by_status.get(failed, {}).get("n", 0),
        "oldest_pending": by_status.get(pending, {}).get("oldest"),
        "by_status": {status: row["n"] for status, row in sorted(by_status.items())},
    }


def assay_status() -> dict:
    """What an operator needs to see whether ingestion or enrichment is stuck."""
    status = {"broker": _broker_queue_depths()}
    status["enrichment"] = _counts(
        CiBuild, "enrichment_status", EnrichmentStatus.PENDING, EnrichmentStatus.FAILED, "created_at"
    )
    status["enrichment"]["not_found"] = status["enrichment"]["by_status"].get(EnrichmentStatus.NOT_FOUND, 0)
    status["enrichment"]["recent_failures"] = list(
        CiBuild.objects.filter(enrichment_status=EnrichmentStatus.FAILED)
        .order_by("-updated_at")
        .values(
            "pk", "candidate_id", "project_id", "job_id", "pipeline_id", "enrichment_reason", "updated_at"
        )[:10]
    )
    try:
        package_file = apps.get_model("packages_registry", "PackageFile")
        package_file._meta.get_field("ingestion_status")
    except (LookupError, Exception):  # noqa: BLE001 - the artifacts app may not have its model yet
        status["ingestion"] = None
    else:
        status["ingestion"] = _counts(package_file, "ingestion_status", "pending", "failed", "created_at")
    return status
