"""Reads for experiments: get by iid or name (always through the project), and MLflow search.

experiment_search(*, project, filter_string="", order_by=(), view_type="ACTIVE_ONLY", max_results=1000,
                  page_token=None) -> tuple[list[Experiment], str | None]
"""

from collections.abc import Sequence
from datetime import UTC, datetime

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from candidates.search import (
    LIST_OPS,
    NUMERIC_OPS,
    STRING_OPS,
    VIEW_TYPES,
    _Parser,
    _value_condition,
    max_results_check,
    order_parse,
    page_token_decode,
    page_token_encode,
    view_type_normalise,
)
from projects.errors import InvalidValueError, NotFoundError
from projects.models import Project

from .models import Experiment, ExperimentMetadata

KINDS = {
    "attribute": "attribute",
    "attributes": "attribute",
    "attr": "attribute",
    "tag": "tag",
    "tags": "tag",
}
ATTRIBUTES = {"name", "experiment_id", "creation_time", "last_update_time"}
TIME_ATTRIBUTES = {"creation_time": "created_at", "last_update_time": "updated_at"}
FIELDS = {"name": "name", "experiment_id": "iid", **TIME_ATTRIBUTES}


def experiment_iid_parse(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise InvalidValueError(
            f"Invalid experiment ID '{value}'. Experiment ID must be a valid integer."
        ) from exc


def _with_metadata(queryset: QuerySet) -> QuerySet:
    return queryset.prefetch_related("metadata")


def experiment_get_for_project(*, project: Project, experiment_id) -> Experiment:
    """The experiment by its MLflow id (the iid) in this project, with its metadata, or NotFoundError."""
    iid = experiment_iid_parse(experiment_id)
    experiment = _with_metadata(Experiment.objects.filter(project=project, iid=iid)).first()
    if experiment is None:
        raise NotFoundError(f"No Experiment with id={experiment_id} exists")
    return experiment


def experiment_get_by_name(*, project: Project, name: str) -> Experiment:
    experiment = _with_metadata(Experiment.objects.filter(project=project, name=name)).first()
    if experiment is None:
        raise NotFoundError(f"Could not find experiment with name '{name}'")
    return experiment


def _ops(kind: str, key: str) -> set[str]:
    if kind == "attribute" and key in TIME_ATTRIBUTES:
        return NUMERIC_OPS
    if kind == "attribute":
        return STRING_OPS | LIST_OPS
    return STRING_OPS


def _ms_to_datetime(value: float) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def experiment_filter_q(filter_string: str) -> Q:
    parser = _Parser(filter_string or "", kinds=KINDS, attributes=ATTRIBUTES, numeric=set(TIME_ATTRIBUTES))
    q = Q()
    for comparison in parser.filter(_ops):
        if comparison.kind == "tag":
            rows = ExperimentMetadata.objects.filter(experiment_id=OuterRef("pk"), name=comparison.key)
            q &= Exists(rows.filter(_value_condition("value", comparison.op, comparison.value)))
        elif comparison.key in TIME_ATTRIBUTES:
            q &= _value_condition(FIELDS[comparison.key], comparison.op, _ms_to_datetime(comparison.value))
        elif comparison.key == "experiment_id":
            if comparison.op in ("LIKE", "ILIKE"):
                raise InvalidValueError(f"'{comparison.op}' is not supported for experiment_id")
            values = comparison.value if comparison.op in LIST_OPS else (comparison.value,)
            # An id is ASCII digits that fit in bigint: str.isdigit() alone also passes '²' and 5,000 digits.
            iids = [int(v) for v in map(str, values) if v.isascii() and v.isdigit() and len(v) <= 18]
            condition = Q(iid__in=iids)
            q &= ~condition if comparison.op in ("!=", "NOT IN") else condition
        else:
            q &= _value_condition("name", comparison.op, comparison.value)
    return q


def experiment_search(
    *,
    project: Project,
    filter_string: str = "",
    order_by: Sequence[str] = (),
    view_type: str = "ACTIVE_ONLY",
    max_results: int = 1000,
    page_token: str | None = None,
) -> tuple[list[Experiment], str | None]:
    """One page of the project's experiments; the default order is MLflow's (newest first, then by id)."""
    q = experiment_filter_q(filter_string)
    order = order_parse(
        order_by or ("creation_time DESC", "experiment_id ASC"), kinds=KINDS, attributes=ATTRIBUTES
    )
    for key in order:
        if key.kind != "attribute":
            raise InvalidValueError(f"Invalid order_by entity: {key.kind}")
    limit = max_results_check(max_results)
    offset = page_token_decode(page_token)
    queryset = Experiment.objects.filter(project=project).filter(q)
    lifecycles = VIEW_TYPES[view_type_normalise(view_type)]
    if lifecycles is not None:
        queryset = queryset.filter(lifecycle__in=lifecycles)
    expressions = [F(FIELDS[k.key]).asc() if k.ascending else F(FIELDS[k.key]).desc() for k in order]
    if not any(k.key == "experiment_id" for k in order):
        expressions.append(F("iid").desc())
    page = list(_with_metadata(queryset.order_by(*expressions))[offset : offset + limit + 1])
    if len(page) > limit:
        return page[:limit], page_token_encode(offset + limit)
    return page, None
