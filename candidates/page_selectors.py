"""Reads for the candidate pages (detail, compare, live numbers). Fixed query counts per call.

Candidate URLs use the candidate's global id (`/<project>/-/ml/candidates/<id>/`, as GitLab does); every lookup
is scoped to the project from the URL, so an id from another project is a 404.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field

from django.http import Http404

from experiments.models import Experiment, Lifecycle
from projects.mlflow_data import (
    NOTE_TAG,
    PARENT_RUN_TAG,
    SOURCE_GIT_COMMIT_TAG,
    SOURCE_GIT_REPO_URL_TAG,
    SYSTEM_METRIC_PREFIX,
    SYSTEM_TAG_PREFIX,
)
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


CHILDREN_MAX = 50


@dataclass
class CandidateDetails:
    params: list[tuple[str, str]] = field(default_factory=list)
    metrics: list[CandidateLatestMetric] = field(default_factory=list)  # model metrics (not system/*)
    system_metrics: list[CandidateLatestMetric] = field(default_factory=list)
    metadata: list[tuple[str, str]] = field(default_factory=list)
    system_metadata: list[tuple[str, str]] = field(default_factory=list)
    inputs: list[CandidateInput] = field(default_factory=list)
    description: str = ""
    parent: Candidate | None = None
    parent_eid_hex: str = (
        ""  # the parent's run id as logged, also when that candidate is not (or no longer) here
    )
    children: list[Candidate] = field(default_factory=list)
    children_more: bool = False
    git_commit: str = ""
    git_commit_url: str = ""  # only for an http(s) repository URL; pages still pass it through `http_url`


def git_commit_url(*, repo_url: str, commit: str) -> str:
    """The web page of a commit: GitHub's `<repo>/commit/<sha>`, GitLab's (and others') `<repo>/-/commit/<sha>`.
    "" unless the repository URL is http(s) and the commit looks like a hash."""
    repo_url, commit = (repo_url or "").strip(), (commit or "").strip()
    if not repo_url.lower().startswith(("http://", "https://")) or not commit.isalnum() or len(commit) > 64:
        return ""
    base = repo_url.rstrip("/").removesuffix(".git")
    host = base.split("/", 3)[2].lower() if base.count("/") >= 2 else ""
    return (
        f"{base}/commit/{commit}" if host in ("github.com", "www.github.com") else f"{base}/-/commit/{commit}"
    )


def _lineage(details: CandidateDetails, candidate: Candidate) -> None:
    """Parent (1 query when the candidate has one) and the first CHILDREN_MAX children (1 query)."""
    parent_eid = _uuid_or_none(details.parent_eid_hex)
    if parent_eid is not None:
        details.parent = (
            Candidate.objects.filter(
                project_id=candidate.project_id, lifecycle=Lifecycle.ACTIVE, eid=parent_eid
            )
            .only("pk", "name", "eid", "iid", "status")
            .first()
        )
    children = list(
        # Children in the candidate's own experiment, as MLflow's UI lists them: the lookup then walks that
        # experiment's candidates (candidate_exp_life_start) and their metadata by (candidate, name).
        Candidate.objects.filter(
            experiment_id=candidate.experiment_id,
            lifecycle=Lifecycle.ACTIVE,
            metadata__name=PARENT_RUN_TAG,
            metadata__value=candidate.eid_hex,
        )
        .only("pk", "name", "eid", "iid", "status")
        .order_by("start_time", "pk")[: CHILDREN_MAX + 1]
    )
    details.children, details.children_more = children[:CHILDREN_MAX], len(children) > CHILDREN_MAX


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def candidate_details(*, candidate: Candidate) -> CandidateDetails:
    """Params, latest metrics (model and system apart), metadata (user and system apart), dataset inputs,
    description, git commit, parent and children: 6 queries (5 without a parent)."""
    details = CandidateDetails()
    details.params = list(
        CandidateParam.objects.filter(candidate=candidate).order_by("name").values_list("name", "value")
    )
    for metric in CandidateLatestMetric.objects.filter(candidate=candidate).order_by("name"):
        (details.system_metrics if metric.name.startswith(SYSTEM_METRIC_PREFIX) else details.metrics).append(
            metric
        )
    tags = {}
    for name, value in (
        CandidateMetadata.objects.filter(candidate=candidate).order_by("name").values_list("name", "value")
    ):
        tags[name] = value
        (details.system_metadata if name.startswith(SYSTEM_TAG_PREFIX) else details.metadata).append(
            (name, value)
        )
    details.inputs = list(CandidateInput.objects.filter(candidate=candidate).order_by("name"))
    details.description = tags.get(NOTE_TAG, "")
    details.parent_eid_hex = tags.get(PARENT_RUN_TAG, "")
    details.git_commit = tags.get(SOURCE_GIT_COMMIT_TAG, "")
    details.git_commit_url = git_commit_url(
        repo_url=tags.get(SOURCE_GIT_REPO_URL_TAG, ""), commit=details.git_commit
    )
    _lineage(details, candidate)
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
