"""Group the table's view by a param's value: per value, how many candidates and each shown metric's best value.

    table_groups(*, spec, param, limit=MAX_GROUPS) -> list[TableGroup]     two queries: the values' groups, largest
                                                                          first, then the candidates without it

"Best" needs a direction MLflow does not record: a metric whose name says lower is better (loss, error, mse,
...) takes its minimum, any other its maximum; `TableGroup.best` says which per metric. Candidates without the
param are the last group (`missing`, its value ""), when there are any.
"""

import re
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Subquery

from .models import CandidateParam
from .table import TableSpec, table_filtered

MAX_GROUPS = 50
MAX_GROUP_METRICS = 8
_LOWER_IS_BETTER = re.compile(r"loss|err|mse|mae|rmse|perplexity|latency|time|cost|wer|cer", re.I)


def metric_lower_is_better(name: str) -> bool:
    return bool(_LOWER_IS_BETTER.search(name))


@dataclass
class TableGroup:
    value: str
    count: int
    best: list[tuple[str, bool, float | None]]  # (metric, lower is better, best value)
    missing: bool = False  # the candidates of the view without the param


def _best_aggregates(metrics: list[str], prefix: str) -> dict:
    aggregates = {}
    for i, name in enumerate(metrics):
        agg = Min if metric_lower_is_better(name) else Max
        aggregates[f"m{i}"] = agg(
            f"{prefix}latest_metrics__value", filter=Q(**{f"{prefix}latest_metrics__name": name})
        )
    return aggregates


def table_groups(*, spec: TableSpec, param: str, limit: int = MAX_GROUPS) -> list[TableGroup]:
    metrics = spec.metrics[:MAX_GROUP_METRICS]
    view = table_filtered(spec=spec)
    rows = list(
        CandidateParam.objects.filter(name=param, candidate_id__in=Subquery(view.values("pk")))
        .values("value")
        .annotate(n=Count("candidate_id", distinct=True), **_best_aggregates(metrics, "candidate__"))
        .order_by("-n", "value")[:limit]
    )
    if not rows:
        return []
    has_param = CandidateParam.objects.filter(candidate_id=OuterRef("pk"), name=param)
    missing = (
        view.filter(~Exists(has_param))
        .order_by()
        .aggregate(n=Count("pk", distinct=True), **_best_aggregates(metrics, ""))
    )
    missing["value"] = ""
    groups = [
        TableGroup(
            value=row["value"],
            count=row["n"],
            best=[(m, metric_lower_is_better(m), row[f"m{i}"]) for i, m in enumerate(metrics)],
            missing=row is missing,
        )
        for row in [*rows, *([missing] if missing["n"] else [])]
    ]
    return groups
