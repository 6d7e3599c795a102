"""Group the table's view by a param's value: per value, how many candidates and each shown metric's best value.

    table_groups(*, spec, param, limit=MAX_GROUPS) -> list[TableGroup]     one grouped query, largest groups first

"Best" needs a direction MLflow does not record: a metric whose name says lower is better (loss, error, mse,
...) takes its minimum, any other its maximum; `TableGroup.best` says which per metric. Candidates without the
param are not a group (filter with `params.<name> IS NULL` to see them).
"""

import re
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q, Subquery

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


def table_groups(*, spec: TableSpec, param: str, limit: int = MAX_GROUPS) -> list[TableGroup]:
    metrics = spec.metrics[:MAX_GROUP_METRICS]
    in_view = Subquery(table_filtered(spec=spec).values("pk"))
    aggregates = {}
    for i, name in enumerate(metrics):
        agg = Min if metric_lower_is_better(name) else Max
        aggregates[f"m{i}"] = agg(
            "candidate__latest_metrics__value", filter=Q(candidate__latest_metrics__name=name)
        )
    rows = (
        CandidateParam.objects.filter(name=param, candidate_id__in=in_view)
        .values("value")
        .annotate(n=Count("candidate_id", distinct=True), **aggregates)
        .order_by("-n", "value")[:limit]
    )
    return [
        TableGroup(
            value=row["value"],
            count=row["n"],
            best=[(m, metric_lower_is_better(m), row[f"m{i}"]) for i, m in enumerate(metrics)],
        )
        for row in rows
    ]
