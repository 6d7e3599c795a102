"""Reads for candidates: get through the project, metric history (paged, as plain tuples), latest metrics.

Search lives in candidates/search.py (candidate_search).
"""

import uuid
from collections.abc import Sequence

from projects.errors import NotFoundError
from projects.models import Project

from .models import Candidate, CandidateLatestMetric, CandidateMetric

DATA_RELATIONS = ("params", "metadata", "latest_metrics", "inputs")


def candidate_get_for_project(*, project: Project, run_id: str, with_data: bool = False) -> Candidate:
    """The candidate with this MLflow run id (32 hex) in the project, or NotFoundError.

    with_data prefetches params, metadata, latest metrics and inputs (a constant number of queries).
    """
    try:
        eid = uuid.UUID(hex=str(run_id))
    except (ValueError, TypeError) as exc:
        raise NotFoundError(f"Run with id={run_id} not found") from exc
    queryset = Candidate.objects.select_related("experiment").filter(project=project, eid=eid)
    if with_data:
        queryset = queryset.prefetch_related(*DATA_RELATIONS)
    candidate = queryset.first()
    if candidate is None:
        raise NotFoundError(f"Run with id={run_id} not found")
    return candidate


def candidate_get_by_iid(*, project: Project, experiment_iid: int, iid: int) -> Candidate:
    """The candidate by its numbers (experiment iid, candidate iid) in the project: for pages."""
    candidate = (
        Candidate.objects.select_related("experiment")
        .prefetch_related(*DATA_RELATIONS)
        .filter(project=project, experiment__iid=experiment_iid, iid=iid)
        .first()
    )
    if candidate is None:
        raise NotFoundError(f"Candidate {experiment_iid}/{iid} not found")
    return candidate


def candidate_metric_history(
    *, candidate: Candidate, name: str, max_results: int | None = None, offset: int = 0
) -> tuple[list[tuple[float, int, int]], int | None]:
    """`(value, timestamp, step)` tuples in MLflow's order (timestamp, step, value) and the next offset or None."""
    rows = (
        CandidateMetric.objects.filter(candidate=candidate, name=name)
        .order_by("timestamp", "step", "value", "pk")
        .values_list("value", "timestamp", "step")
    )
    if max_results is None:
        return list(rows[offset:] if offset else rows), None
    page = list(rows[offset : offset + max_results + 1])
    if len(page) > max_results:
        return page[:max_results], offset + max_results
    return page, None


def candidate_latest_metrics(*, candidate_ids: Sequence[int]) -> dict[int, dict[str, float]]:
    """{candidate id: {metric name: latest value}} in one query."""
    out: dict[int, dict[str, float]] = {pk: {} for pk in candidate_ids}
    for candidate_id, name, value in CandidateLatestMetric.objects.filter(
        candidate_id__in=list(out)
    ).values_list("candidate_id", "name", "value"):
        out[candidate_id][name] = value
    return out
