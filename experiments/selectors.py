"""Reads for experiments: get by iid or name (always through the project), and search.

experiment_search(*, project, comparisons=(), order=(), lifecycles=(ACTIVE,), limit=1000, offset=0)
    -> tuple[list[Experiment], NextPage | None]
Comparison keys are domain names: attributes `name`, `iid`, `created_at`, `updated_at` (times as ms since the
epoch), metadata as kind `tag`.
"""

from collections.abc import Collection, Sequence

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from projects.errors import InvalidValueError, NotFoundError
from projects.models import Project
from projects.querying import LIST_OPS, Comparison, NextPage, OrderKey, ms_to_datetime, value_condition

from .models import Experiment, ExperimentMetadata, Lifecycle

_FIELDS = frozenset({"name", "iid", "created_at", "updated_at"})
_TIMES = frozenset({"created_at", "updated_at"})
DEFAULT_ORDER = (OrderKey("attribute", "created_at", False), OrderKey("attribute", "iid", True))


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


def experiment_filter_q(comparisons: Sequence[Comparison]) -> Q:
    q = Q()
    for comparison in comparisons:
        key, op, value = comparison.key, comparison.op, comparison.value
        if comparison.kind == "tag":
            rows = ExperimentMetadata.objects.filter(experiment_id=OuterRef("pk"), name=key)
            if op == "IS NULL":
                q &= ~Exists(rows)
            elif op == "IS NOT NULL":
                q &= Exists(rows)
            else:
                q &= Exists(rows.filter(value_condition("value", op, value)))
        elif comparison.kind != "attribute" or key not in _FIELDS:
            raise InvalidValueError(f"Invalid experiment search key '{key}'")
        elif key in _TIMES:
            q &= value_condition(key, op, ms_to_datetime(value))
        elif key == "iid":
            values = value if op in LIST_OPS else (value,)
            # An id is ASCII digits that fit in bigint: str.isdigit() alone also passes '²' and 5,000 digits.
            iids = [int(v) for v in map(str, values) if v.isascii() and v.isdigit() and len(v) <= 18]
            condition = Q(iid__in=iids)
            q &= ~condition if op in ("!=", "NOT IN") else condition
        else:
            q &= value_condition(key, op, value)
    return q


def experiment_search(
    *,
    project: Project,
    comparisons: Sequence[Comparison] = (),
    order: Sequence[OrderKey] = (),
    lifecycles: Collection[str] | None = (Lifecycle.ACTIVE,),
    limit: int = 1000,
    offset: int = 0,
) -> tuple[list[Experiment], NextPage | None]:
    """One page of the project's experiments; the default order is MLflow's (newest first, then by iid)."""
    order = order or DEFAULT_ORDER
    for key in order:
        if key.kind != "attribute" or key.key not in _FIELDS:
            raise InvalidValueError(f"Invalid order_by key: {key.kind} {key.key}")
    queryset = Experiment.objects.filter(project=project).filter(experiment_filter_q(comparisons))
    if lifecycles is not None:
        queryset = queryset.filter(lifecycle__in=list(lifecycles))
    expressions = [F(k.key).asc() if k.ascending else F(k.key).desc() for k in order]
    if not any(k.key == "iid" for k in order):
        expressions.append(F("iid").desc())
    page = list(_with_metadata(queryset.order_by(*expressions))[offset : offset + limit + 1])
    if len(page) > limit:
        return page[:limit], NextPage(offset=offset + limit)
    return page, None
