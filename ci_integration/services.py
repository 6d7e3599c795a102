"""Writes for CI records: link a candidate to its CI job from its tags, enrich it from the CI server, sweep.

Flow: mlflow_api sets tags through candidates.services, then calls `ci_link_candidate_on_commit` -> a CiBuild
is written from the tags -> a `ci` queue task asks the project's CI server (if any) -> `ci_build_enrich` stores the answer.
"""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from candidates.models import Candidate, CandidateMetadata
from config.celery import app

from .clients import CiLookupError, CiNotFound, github_fetch, gitlab_fetch
from .crypto import SecretUnreadable, secret_decrypt, secret_encrypt
from .models import CiBuild, CiServer, EnrichmentStatus, Provider
from .tags import CI_TAG_KEYS, ci_fields_from_tags

logger = logging.getLogger(__name__)

NO_SERVER_REASON = "No CI server is configured for this project: the details come from the candidate's tags."
NO_WORKER_REASON = "Waiting for a worker: CELERY_BROKER_URL is not set, so nothing asks the CI server."
# Fields written from the CI server's answer; tag-derived values are kept where the server has nothing.
_ENRICHED_FIELDS = [
    f.name
    for f in CiBuild._meta.get_fields()
    if f.name.startswith(("job_", "pipeline_", "merge_request_", "user_"))
]


def ci_link_candidate_on_commit(*, candidate_id: int, names: Iterable[str]) -> None:
    """What a caller that wrote a candidate's metadata (tags) calls next, with the keys it set: the CI record is
    linked once the write commits (at once outside a transaction). Nothing happens unless a CI key was set."""
    names = list(names)
    if CI_TAG_KEYS.isdisjoint(names):
        return
    transaction.on_commit(lambda: ci_link_candidate_from_metadata(candidate_id=candidate_id, names=names))


def ci_link_candidate_from_metadata(*, candidate_id: int, names: list[str]) -> None:
    """Link the candidate to its CI record after metadata (tags) were written; names are the tag keys just set.

    Must never raise into the MLflow call that set the tag and must not block on the network: the CI server is
    asked by a Celery task; if the broker is down the record stays pending and the periodic sweep enqueues it.
    """
    if CI_TAG_KEYS.isdisjoint(names):
        return None
    try:
        build = ci_build_link(candidate_id=candidate_id)
        if build is not None and build.enrichment_status == EnrichmentStatus.PENDING:
            transaction.on_commit(lambda: ci_build_enqueue(build_id=build.pk))
    except Exception:  # noqa: BLE001 - a CI link is never worth failing the caller's MLflow request
        logger.exception("Could not link candidate %s to its CI job", candidate_id)
    return None


def ci_build_link(*, candidate_id: int) -> CiBuild | None:
    """Create or refresh the candidate's CI record from its tags. None when the tags name no CI job."""
    tags = dict(
        CandidateMetadata.objects.filter(candidate_id=candidate_id, name__in=CI_TAG_KEYS).values_list(
            "name", "value"
        )
    )
    fields = ci_fields_from_tags(tags)
    if fields is None:
        return None
    project_id = Candidate.objects.values_list("project_id", flat=True).get(pk=candidate_id)
    has_server = CiServer.objects.filter(project_id=project_id, enabled=True).exists()
    with transaction.atomic():
        build = CiBuild.objects.select_for_update().filter(candidate_id=candidate_id).first()
        same_job = build is not None and (build.provider, build.job_id, build.pipeline_id) == (
            fields["provider"],
            fields.get("job_id"),
            fields.get("pipeline_id"),
        )
        if same_job and build.enrichment_status != EnrichmentStatus.PENDING and has_server:
            return build  # already enriched from the server; a re-sent tag changes nothing
        if build is None:
            build = CiBuild(candidate_id=candidate_id)
        else:
            _reset(build)
        build.project_id = project_id
        for name, value in fields.items():
            setattr(build, name, value)
        if not has_server:
            build.enrichment_status, build.enrichment_reason = EnrichmentStatus.OK, NO_SERVER_REASON
            build.enriched_at = timezone.now()
        elif _broker_is_eager():
            build.enrichment_status, build.enrichment_reason = EnrichmentStatus.PENDING, NO_WORKER_REASON
        else:
            build.enrichment_status, build.enrichment_reason = EnrichmentStatus.PENDING, ""
        build.save()
    return build


def _reset(build: CiBuild) -> None:
    """Forget what an earlier link or enrichment stored: the candidate now names another job."""
    for name in [
        *_ENRICHED_FIELDS,
        "server_url",
        "ci_project",
        "enqueued_at",
        "last_attempt_at",
        "enriched_at",
    ]:
        setattr(build, name, CiBuild._meta.get_field(name).get_default())
    build.enrichment_attempts = 0


def _broker_is_eager() -> bool:
    return bool(app.conf.task_always_eager)


def ci_build_enqueue(*, build_id: int) -> bool:
    """Hand the record to the `ci` queue. Never raises; False (record left pending for the sweep) on failure."""
    # Inside the function: tasks.py imports this module (the task is a thin wrapper over a service).
    from .tasks import ci_build_enrich as enrich_task

    if app.conf.task_always_eager:
        return False  # in-process "tasks" would make the caller wait on the CI server
    try:
        # One connection attempt, no publish retries: an unreachable broker must not hold up the caller.
        with app.connection_for_write(connect_timeout=2, transport_options={"max_retries": 0}) as conn:
            enrich_task.apply_async(args=[build_id], connection=conn, retry=False)
    except Exception as exc:  # noqa: BLE001 - broker errors vary by transport
        logger.warning("Broker unreachable, CI record %s left pending for the sweep: %s", build_id, exc)
        CiBuild.objects.filter(pk=build_id).update(
            enqueued_at=None,
            enrichment_reason=f"The broker was unreachable ({exc.__class__.__name__}); "
            "the periodic sweep will enqueue it again.",
        )
        return False
    CiBuild.objects.filter(pk=build_id).update(enqueued_at=timezone.now())
    return True


def ci_build_enrich(*, build_id: int) -> CiBuild | None:
    """One enrichment attempt. Raises clients.CiUnavailable on a transient failure (the task retries it)."""
    build = CiBuild.objects.filter(pk=build_id).first()
    if build is None or build.enrichment_status != EnrichmentStatus.PENDING:
        return build  # deleted, or done by an earlier delivery of the same message
    CiBuild.objects.filter(pk=build_id).update(
        enrichment_attempts=F("enrichment_attempts") + 1, last_attempt_at=timezone.now()
    )
    server = CiServer.objects.filter(project_id=build.project_id, enabled=True).first()
    if server is None:
        return _finish(build_id, EnrichmentStatus.OK, NO_SERVER_REASON)
    if server.provider != build.provider:
        return _finish(
            build_id,
            EnrichmentStatus.OK,
            f"The project's CI server is {server.get_provider_display()}, the candidate names a "
            f"{build.get_provider_display()} job: the details come from its tags.",
        )
    try:
        fields = _fetch(server=server, build=build)
    except CiNotFound as exc:
        return _finish(build_id, EnrichmentStatus.NOT_FOUND, str(exc))
    except (CiLookupError, SecretUnreadable) as exc:
        return _finish(build_id, EnrichmentStatus.FAILED, str(exc))
    return _finish(build_id, EnrichmentStatus.OK, "", fields=fields)


def _fetch(*, server: CiServer, build: CiBuild) -> dict:
    token = secret_decrypt(server.token_encrypted) if server.token_encrypted else ""
    ci_project = server.ci_project or build.ci_project
    if not ci_project:
        raise CiLookupError(
            "No CI project to look the job up in: set the CI server's project in the admin, or tag "
            "gitlab.CI_PROJECT_ID / github.GITHUB_REPOSITORY."
        )
    if build.provider == Provider.GITLAB:
        if not build.job_id:
            raise CiLookupError("The candidate has no gitlab.CI_JOB_ID.")
        return gitlab_fetch(
            url=server.url,
            token=token,
            ci_project=ci_project,
            job_id=build.job_id,
            merge_request_iid=build.merge_request_iid,
            timeout=server.timeout_seconds,
        )
    return github_fetch(
        url=server.url,
        token=token,
        ci_project=ci_project,
        pipeline_id=build.pipeline_id,
        timeout=server.timeout_seconds,
    )


def _finish(build_id: int, status: str, reason: str, *, fields: dict | None = None) -> CiBuild | None:
    values = {
        name: value
        for name, value in (fields or {}).items()
        if name in _ENRICHED_FIELDS and value not in (None, "")
    }
    values.update(enrichment_status=status, enrichment_reason=reason)
    if status == EnrichmentStatus.OK:
        values["enriched_at"] = timezone.now()
    CiBuild.objects.filter(pk=build_id).update(**values, updated_at=timezone.now())
    return CiBuild.objects.filter(pk=build_id).first()


def ci_build_note(*, build_id: int, reason: str) -> None:
    """Record why the last attempt failed while the record waits for its retry."""
    CiBuild.objects.filter(pk=build_id, enrichment_status=EnrichmentStatus.PENDING).update(
        enrichment_reason=reason, updated_at=timezone.now()
    )


def ci_build_mark_failed(*, build_id: int, reason: str) -> None:
    CiBuild.objects.filter(pk=build_id, enrichment_status=EnrichmentStatus.PENDING).update(
        enrichment_status=EnrichmentStatus.FAILED, enrichment_reason=reason, updated_at=timezone.now()
    )


def ci_build_retry(*, build_ids: list[int]) -> int:
    """Put failed / not-found records back to pending (a fresh retry budget) and enqueue them."""
    CiBuild.objects.filter(pk__in=build_ids).update(
        enrichment_status=EnrichmentStatus.PENDING,
        enrichment_reason="",
        enrichment_attempts=0,
        enqueued_at=None,
    )
    return sum(ci_build_enqueue(build_id=pk) for pk in build_ids)


def ci_build_sweep(*, limit: int = 500) -> int:
    """Enqueue pending records the broker never got, or whose message went missing. Returns how many."""
    cutoff = timezone.now() - timedelta(seconds=settings.ASSAY_CI_SWEEP_STALE_AFTER)
    stale = Q(enqueued_at__isnull=True) | (
        Q(enqueued_at__lt=cutoff) & (Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=cutoff))
    )
    ids = list(
        CiBuild.objects.filter(
            stale, enrichment_status=EnrichmentStatus.PENDING, project__ci_server__enabled=True
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(ci_build_enqueue(build_id=pk) for pk in ids)


def ci_server_set(
    *,
    project,
    url: str,
    provider: str = Provider.GITLAB,
    token: str | None = None,
    ci_project: str = "",
    **extra,
) -> CiServer:
    """Create or update a project's CI server. `token=None` keeps the stored token; "" removes it."""
    server = CiServer.objects.filter(project=project).first() or CiServer(project=project)
    server.url, server.provider, server.ci_project = url, provider, ci_project
    for name, value in extra.items():
        setattr(server, name, value)
    if token is not None:
        server.token_encrypted = secret_encrypt(token) if token else ""
    server.full_clean()
    server.save()
    return server
