"""Reads for the candidate pages (detail, compare, live numbers). Fixed query counts per call.

Candidate URLs use the candidate's global id (`/<project>/-/ml/candidates/<id>/`, as GitLab does); every lookup
is scoped to the project from the URL, so an id from another project is a 404.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.http import Http404

from experiments.models import Experiment, Lifecycle
from projects.mlflow_data import SYSTEM_TAG_PREFIX
from projects.models import Project

from .models import (
    Candidate,
    CandidateInput,
    CandidateLatestMetric,
    CandidateMetadata,
    CandidateParam,
    Status,
)

COMPARE_MAX = 100  # candidates on the compare page: its queries do not grow with the number


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
        (details.system_metadata if name.startswith(SYSTEM_TAG_PREFIX) else details.metadata).append(
            (name, value)
        )
    details.inputs = list(CandidateInput.objects.filter(candidate=candidate).order_by("name"))
    return details


@dataclass
class CompareData:
    candidates: list[Candidate]
    params: list[tuple[str, list[str | None], bool]]  # name, value per candidate, differs
    metrics: list[tuple[str, list[float | None], bool]]
    metadata: list[tuple[str, list[str | None], bool]] = field(default_factory=list)  # user tags only
    requested: int = 0  # distinct ids asked for (more than COMPARE_MAX: only the first COMPARE_MAX are shown)


def _same(value):
    """Equality key for "do the values differ": NaN equals NaN (float('nan') != itself)."""
    return "nan" if isinstance(value, float) and math.isnan(value) else value


def _rows(triples, index: dict[int, int], width: int) -> list[tuple[str, list, bool]]:
    by_name: dict[str, list] = {}
    for cid, name, value in triples:
        by_name.setdefault(name, [None] * width)[index[cid]] = value
    return [(n, v, len({_same(x) for x in v}) > 1) for n, v in sorted(by_name.items())]


def candidate_compare(*, experiment: Experiment, candidate_ids: list[int]) -> CompareData:
    """Up to COMPARE_MAX candidates of one experiment side by side (in the order asked): 4 queries, whatever the
    number of candidates. A row differs when its values are not all equal (a missing value counts as one)."""
    requested = list(dict.fromkeys(candidate_ids))
    ids = requested[:COMPARE_MAX]
    by_id = {
        c.pk: c
        for c in Candidate.objects.select_related("user").filter(
            experiment=experiment, pk__in=ids, lifecycle=Lifecycle.ACTIVE
        )
    }
    candidates = [by_id[i] for i in ids if i in by_id]
    index = {c.pk: n for n, c in enumerate(candidates)}
    width = len(candidates)
    params = CandidateParam.objects.filter(candidate_id__in=index).values_list(
        "candidate_id", "name", "value"
    )
    metrics = CandidateLatestMetric.objects.filter(candidate_id__in=index).values_list(
        "candidate_id", "name", "value"
    )
    metadata = (
        CandidateMetadata.objects.filter(candidate_id__in=index)
        .exclude(name__startswith=SYSTEM_TAG_PREFIX)
        .values_list("candidate_id", "name", "value")
    )
    return CompareData(
        candidates=candidates,
        params=_rows(params, index, width),
        metrics=_rows(metrics, index, width),
        metadata=_rows(metadata, index, width),
        requested=len(requested),
    )


def candidate_compare_chart(
    *, experiment: Experiment, candidate_ids: list[int], metric_cap: int
) -> tuple[list[Candidate], list[str]]:
    """The compare page's overlaid curves: its candidates (as candidate_compare picks them) and the first
    `metric_cap` metric names they have, by name: 2 queries."""
    ids = list(dict.fromkeys(candidate_ids))[:COMPARE_MAX]
    by_id = {
        c.pk: c
        for c in Candidate.objects.filter(experiment=experiment, pk__in=ids, lifecycle=Lifecycle.ACTIVE).only(
            "id", "iid", "name", "eid", "status"
        )
    }
    candidates = [by_id[i] for i in ids if i in by_id]
    names = list(
        CandidateLatestMetric.objects.filter(candidate_id__in=by_id)
        .order_by("name")
        .values_list("name", flat=True)
        .distinct()[:metric_cap]
    )
    return candidates, names


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
