"""Reads for the candidate pages (detail, compare, live numbers). Fixed query counts per call.

Candidate URLs use the candidate's global id (`/<project>/-/ml/candidates/<id>/`, as GitLab does); every lookup
is scoped to the project from the URL, so an id from another project is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import Http404

from experiments.models import Experiment, Lifecycle
from projects.models import Project

from .models import (
    Candidate,
    CandidateInput,
    CandidateLatestMetric,
    CandidateMetadata,
    CandidateParam,
    Status,
)

SYSTEM_PREFIX = "mlflow."
COMPARE_MAX = 10


def candidate_get_for_page(*, project: Project, candidate_id: int) -> Candidate:
    candidate = (
        Candidate.objects.select_related("experiment", "user")
        .filter(project=project, pk=candidate_id, lifecycle=Lifecycle.ACTIVE)
        .first()
    )
    if candidate is None:
        raise Http404("Candidate not found")
    return candidate


@dataclass
class CandidateDetails:
    params: list[tuple[str, str]] = field(default_factory=list)
    metrics: list[CandidateLatestMetric] = field(default_factory=list)
    metadata: list[tuple[str, str]] = field(default_factory=list)
    system_metadata: list[tuple[str, str]] = field(default_factory=list)
    inputs: list[CandidateInput] = field(default_factory=list)


def candidate_details(*, candidate: Candidate) -> CandidateDetails:
    """Params, latest metrics, metadata (user and system apart) and dataset inputs: 4 queries."""
    details = CandidateDetails()
    details.params = list(
        CandidateParam.objects.filter(candidate=candidate).order_by("name").values_list("name", "value")
    )
    details.metrics = list(CandidateLatestMetric.objects.filter(candidate=candidate).order_by("name"))
    for name, value in (
        CandidateMetadata.objects.filter(candidate=candidate).order_by("name").values_list("name", "value")
    ):
        (details.system_metadata if name.startswith(SYSTEM_PREFIX) else details.metadata).append(
            (name, value)
        )
    details.inputs = list(CandidateInput.objects.filter(candidate=candidate).order_by("name"))
    return details


@dataclass
class CompareData:
    candidates: list[Candidate]
    params: list[tuple[str, list[str | None], bool]]  # name, value per candidate, differs
    metrics: list[tuple[str, list[float | None], bool]]


def candidate_compare(*, experiment: Experiment, candidate_ids: list[int]) -> CompareData:
    """Up to COMPARE_MAX candidates of one experiment side by side: 3 queries."""
    ids = list(dict.fromkeys(candidate_ids))[:COMPARE_MAX]
    by_id = {
        c.pk: c
        for c in Candidate.objects.select_related("user").filter(
            experiment=experiment, pk__in=ids, lifecycle=Lifecycle.ACTIVE
        )
    }
    candidates = [by_id[i] for i in ids if i in by_id]
    index = {c.pk: n for n, c in enumerate(candidates)}
    params: dict[str, list] = {}
    for cid, name, value in CandidateParam.objects.filter(candidate_id__in=index).values_list(
        "candidate_id", "name", "value"
    ):
        params.setdefault(name, [None] * len(candidates))[index[cid]] = value
    metrics: dict[str, list] = {}
    for cid, name, value in CandidateLatestMetric.objects.filter(candidate_id__in=index).values_list(
        "candidate_id", "name", "value"
    ):
        metrics.setdefault(name, [None] * len(candidates))[index[cid]] = value
    return CompareData(
        candidates=candidates,
        params=[(n, v, len(set(v)) > 1) for n, v in sorted(params.items())],
        metrics=[(n, v, len(set(v)) > 1) for n, v in sorted(metrics.items())],
    )


def candidates_live(*, experiment: Experiment, candidate_ids: list[int]) -> list[dict]:
    """Status, times and all latest metrics of the given candidates of an experiment: 2 queries."""
    rows = list(
        Candidate.objects.filter(
            experiment=experiment, pk__in=candidate_ids[:200], lifecycle=Lifecycle.ACTIVE
        ).values("id", "status", "start_time", "end_time")
    )
    metrics: dict[int, dict] = {r["id"]: {} for r in rows}
    for cid, name, value, step in CandidateLatestMetric.objects.filter(candidate_id__in=metrics).values_list(
        "candidate_id", "name", "value", "step"
    ):
        metrics[cid][name] = {"value": value, "step": step}
    for row in rows:
        row["metrics"] = metrics[row["id"]]
        row["running"] = row["status"] == Status.RUNNING
    return rows
