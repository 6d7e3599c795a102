"""Writes for traces: record one (idempotent, as the client may send it again), tag it, delete many.

A trace's files (its spans, `traces.json`, and any attachments) live in a package of its own, `ml_trace_<experiment
iid>` at version `<trace id>`, created with the trace. Why not the experiment's package: there is none — the
`ml_experiment_<iid>` packages are one version per candidate (GitLab's layout), and a trace is not a candidate. One
package per trace is what runs and logged models already do (one owner, one package): the files follow the trace's
lifecycle (deleting a trace deletes one package, never a prefix inside a shared one), the package page lists one
trace's files, and uploads get the same per-file size limit and ingestion as every other artifact.
"""

from collections.abc import Collection

from django.db import IntegrityError, transaction

from experiments.models import Experiment, Lifecycle
from packages_registry.models import PackageType
from packages_registry.services import package_create, package_get_or_create, packages_delete
from projects.errors import AlreadyExistsError, InvalidValueError, NotFoundError
from projects.limits import keys_check
from projects.mlflow_data import TRACE_ID, TRACE_SERVER_TAGS
from projects.models import Project

from .models import Trace, TraceMetadata, TraceState, TraceTag

MAX_CLIENT_REQUEST_ID_LENGTH = 250


def trace_package_name(experiment: Experiment) -> str:
    return f"ml_trace_{experiment.iid}"


def trace_id_check(trace_id: str) -> str:
    if not isinstance(trace_id, str) or not TRACE_ID.match(trace_id):
        raise InvalidValueError(
            f"Invalid trace ID {str(trace_id)[:100]!r}: letters, digits, '-' and '_', at most 50 characters"
        )
    return trace_id


def trace_start(
    *,
    project: Project,
    experiment: Experiment,
    trace_id: str,
    request_time: int,
    execution_duration: int | None = None,
    state: str = TraceState.UNSPECIFIED,
    request_preview: str = "",
    response_preview: str = "",
    client_request_id: str = "",
    metadata: dict[str, str] | None = None,
    tags: dict[str, str] | None = None,
) -> Trace:
    """Record a finished trace's info in `experiment` (active, as for a new run). The same trace id again in the
    same experiment updates it and merges its tags and metadata (a retried export); in another experiment it is
    refused. Tags only the server sets (where the spans are kept) are ignored."""
    trace_id_check(trace_id)
    if experiment.lifecycle != Lifecycle.ACTIVE:
        raise InvalidValueError(
            f"The experiment {experiment.iid} must be in the 'active' state. Current state is deleted."
        )
    if state not in TraceState.values:
        raise InvalidValueError(f"Invalid trace state {state!r}: one of {sorted(TraceState.values)}")
    if len(client_request_id or "") > MAX_CLIENT_REQUEST_ID_LENGTH:
        raise InvalidValueError(f"'client_request_id' exceeds {MAX_CLIENT_REQUEST_ID_LENGTH} characters")
    metadata = dict(metadata or {})
    tags = {k: v for k, v in (tags or {}).items() if k not in TRACE_SERVER_TAGS}
    keys_check(metadata, "trace_metadata")
    keys_check(tags, "tags")
    fields = {
        "request_time": request_time,
        "execution_duration": execution_duration,
        "state": state,
        "request_preview": request_preview or "",
        "response_preview": response_preview or "",
        "client_request_id": client_request_id or "",
    }
    with transaction.atomic():
        trace = _trace_locked(project, trace_id)
        created = False
        if trace is None:
            try:
                with transaction.atomic():
                    trace = _trace_create(
                        project=project, experiment=experiment, trace_id=trace_id, fields=fields
                    )
                created = True
            except IntegrityError:  # the same trace sent twice at once: the second one updates it
                trace = _trace_locked(project, trace_id)
                if trace is None:  # its package exists without it (made by hand): use that one
                    trace = _trace_create(
                        project=project, experiment=experiment, trace_id=trace_id, fields=fields, reuse=True
                    )
                    created = True
        if not created:
            if trace.experiment_id != experiment.pk:
                raise AlreadyExistsError(f"Trace with ID '{trace_id}' already exists in another experiment.")
            Trace.objects.filter(pk=trace.pk).update(**fields)
        _pairs_upsert(TraceTag, trace, tags)
        _pairs_upsert(TraceMetadata, trace, metadata)
    return trace


def _trace_locked(project: Project, trace_id: str) -> Trace | None:
    return Trace.objects.select_for_update().filter(project=project, trace_id=trace_id).first()


def _trace_create(
    *, project: Project, experiment: Experiment, trace_id: str, fields: dict, reuse: bool = False
) -> Trace:
    # The package is new with the trace (a concurrent twin fails here or on the trace row, then updates), so it is
    # created without the lookup of package_get_or_create, unless `reuse`.
    make = package_get_or_create if reuse else package_create
    package = make(
        project=project,
        name=trace_package_name(experiment),
        version=trace_id,
        package_type=PackageType.ML_MODEL,
    )
    return Trace.objects.create(
        project=project, experiment=experiment, trace_id=trace_id, package=package, **fields
    )


def _pairs_upsert(model, trace: Trace, pairs: dict[str, str]) -> None:
    """One statement: INSERT … ON CONFLICT (trace, key) DO UPDATE SET value."""
    if pairs:
        model.objects.bulk_create(
            [model(trace=trace, key=key, value=value) for key, value in pairs.items()],
            update_conflicts=True,
            unique_fields=["trace", "key"],
            update_fields=["value"],
        )


def _server_tag_check(key: str, operation: str) -> None:
    if key in TRACE_SERVER_TAGS:
        raise InvalidValueError(f"Tag '{key}' is immutable and cannot be {operation} on a trace.")


def trace_tag_set(*, trace: Trace, key: str, value: str) -> None:
    _server_tag_check(key, "set")
    keys_check({key: value}, "tags")
    _pairs_upsert(TraceTag, trace, {key: value})


def trace_tag_delete(*, trace: Trace, key: str) -> None:
    _server_tag_check(key, "deleted")
    deleted, _ = TraceTag.objects.filter(trace=trace, key=key).delete()
    if not deleted:
        raise NotFoundError(f"No trace tag with key '{key}' for trace with ID '{trace.trace_id}'")


def traces_delete(
    *,
    experiment: Experiment,
    max_timestamp_millis: int | None = None,
    max_traces: int | None = None,
    trace_ids: Collection[str] | None = None,
) -> int:
    """Delete the experiment's traces with these ids, or those that started at or before `max_timestamp_millis`
    (the oldest `max_traces` of them when given), with their files. Returns how many were deleted. The argument
    rules are MLflow's (AbstractStore.delete_traces)."""
    if max_timestamp_millis is None and not trace_ids:
        raise InvalidValueError("Either `max_timestamp_millis` or `trace_ids` must be specified.")
    if max_timestamp_millis is not None and trace_ids:
        raise InvalidValueError("Only one of `max_timestamp_millis` and `trace_ids` can be specified.")
    if trace_ids and max_traces is not None:
        raise InvalidValueError("`max_traces` can't be specified if `trace_ids` is specified.")
    if max_traces is not None and max_traces <= 0:
        raise InvalidValueError(f"`max_traces` must be a positive integer, received {max_traces}.")
    traces = Trace.objects.filter(experiment=experiment).select_for_update()
    if trace_ids:
        traces = traces.filter(trace_id__in=list(trace_ids))
    else:
        traces = traces.filter(request_time__lte=max_timestamp_millis).order_by("request_time", "trace_id")
        if max_traces is not None:
            traces = traces[:max_traces]
    with transaction.atomic():
        rows = list(traces.values_list("pk", "package_id"))
        if not rows:
            return 0
        Trace.objects.filter(pk__in=[pk for pk, _ in rows]).delete()  # tags and metadata cascade
        packages_delete(package_ids=[package_id for _, package_id in rows])
    return len(rows)
