"""Reads for traces, always through the caller's project.

    trace_get_for_project(*, project, trace_id) -> Trace          with its experiment, tags and metadata
    trace_get_in_experiment(*, project, experiment_iid, trace_id) -> Trace   (artifact paths name both)
    trace_search(*, project, experiment_iids, comparisons, order, limit, offset) -> (traces, NextPage | None)

Comparison keys are domain names: attributes `trace_id`, `request_time`, `execution_duration` (ms), `state`,
`client_request_id`, `name` (the trace name tag), `source_run` (the source run metadata); kinds `tag` and
`metadata`. Order keys: the attributes `request_time`, `execution_duration`, `state`, `trace_id`, `name`.
"""

from collections.abc import Sequence

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from projects.errors import InvalidValueError, NotFoundError
from projects.mlflow_data import TRACE_NAME_TAG, TRACE_SOURCE_RUN_METADATA
from projects.models import Project
from projects.querying import NULL_OPS, Comparison, NextPage, OrderKey, value_condition

from .models import Trace, TraceMetadata, TraceTag

_COLUMNS = frozenset({"trace_id", "request_time", "execution_duration", "state", "client_request_id"})
# Attributes MLflow keeps as a tag or a metadata key: (kind, key).
_MAPPED = {"name": ("tag", TRACE_NAME_TAG), "source_run": ("metadata", TRACE_SOURCE_RUN_METADATA)}
_ROWS = {"tag": TraceTag, "metadata": TraceMetadata}


def _traces(project: Project) -> QuerySet[Trace]:
    return (
        Trace.objects.filter(project=project)
        .select_related("experiment")
        .prefetch_related("tags", "metadata")
    )


def trace_get_for_project(*, project: Project, trace_id: str) -> Trace:
    trace = _traces(project).filter(trace_id=trace_id).first() if trace_id else None
    if trace is None:
        raise NotFoundError(f"Trace with ID '{trace_id}' not found.")
    return trace


def trace_get_in_experiment(*, project: Project, experiment_iid: int, trace_id: str) -> Trace:
    """The trace, when it belongs to that experiment (its artifact path names both); else NotFoundError."""
    trace = (
        Trace.objects.filter(project=project, trace_id=trace_id, experiment__iid=experiment_iid)
        .select_related("experiment", "package")
        .first()
    )
    if trace is None:
        raise NotFoundError(f"Trace with ID '{trace_id}' not found.")
    return trace


def _pair_q(kind: str, key: str, op: str, value) -> Q:
    rows = _ROWS[kind].objects.filter(trace=OuterRef("pk"), key=key)
    if op == "IS NULL":
        return ~Exists(rows)
    if op == "IS NOT NULL":
        return Q(Exists(rows))
    return Q(Exists(rows.filter(value_condition("value", op, value))))


def _comparison_q(comparison: Comparison) -> Q:
    kind, key, op, value = comparison.kind, comparison.key, comparison.op, comparison.value
    if kind in _ROWS:
        return _pair_q(kind, key, op, value)
    if key in _MAPPED:
        return _pair_q(*_MAPPED[key], op, value)
    if key not in _COLUMNS or op in NULL_OPS:
        raise InvalidValueError(f"Invalid trace search filter on {kind} '{key}'")
    return value_condition(key, op, value)


def trace_search(
    *,
    project: Project,
    experiment_iids: Sequence[int],
    comparisons: Sequence[Comparison] = (),
    order: Sequence[OrderKey] = (),
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Trace], NextPage | None]:
    """One page of the traces in these experiments of the project matching every comparison; by the order keys,
    then newest first."""
    traces = _traces(project).filter(experiment__iid__in=list(experiment_iids))
    for comparison in comparisons:
        traces = traces.filter(_comparison_q(comparison))
    expressions = []
    for index, key in enumerate(order):
        if key.key == "name":
            name = f"_order{index}"
            tag = TraceTag.objects.filter(trace=OuterRef("pk"), key=TRACE_NAME_TAG).values("value")[:1]
            traces = traces.annotate(**{name: Subquery(tag)})
            field = F(name)
        elif key.key in _COLUMNS - {"client_request_id"}:
            field = F(key.key)
        else:
            raise InvalidValueError(f"Invalid order_by field for traces: {key.key!r}")
        expressions.append(field.asc(nulls_last=True) if key.ascending else field.desc(nulls_last=True))
    page = list(traces.order_by(*expressions, "-request_time", "-pk")[offset : offset + limit + 1])
    return page[:limit], (NextPage(offset=offset + limit) if len(page) > limit else None)
