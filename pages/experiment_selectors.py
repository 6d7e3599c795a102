"""Reads for the experiment pages. Each function issues a fixed number of queries, whatever the data size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.http import Http404

from candidates.models import Candidate, Status
from experiments.models import Experiment, ExperimentMetadata, Lifecycle
from model_registry.models import MODEL_EXPERIMENT_PREFIX
from projects.mlflow_data import NOTE_TAG, SYSTEM_TAG_PREFIX
from projects.models import Project
from projects.querying import CappedCount

EXPERIMENTS_PER_PAGE = 20
HEAD_TAGS_LIMIT = 50  # experiment tags shown in the page head; the rest stay reachable through the API
# Candidates are counted exactly up to COUNT_CAP; past it a page says "100,000+". An exact count of a million
# candidates scans the whole experiment (100 ms quiet, much more under load) on every view and every live poll.
COUNT_CAP = 100_000


def count_label(n: int) -> str:
    """The count as the pages show it: 1,234; or 100,000+ once it reached the cap."""
    return f"{COUNT_CAP:,}+" if n > COUNT_CAP else f"{n:,}"


def _capped_counts(candidates: QuerySet) -> dict:
    """Annotations for a query over experiments: its candidates in `candidates` (filtered by OuterRef("pk")),
    and those of them running, each counted up to COUNT_CAP + 1 (partial index candidate_exp_running)."""
    candidates = candidates.order_by()
    return {
        "total": CappedCount(candidates.values("pk")[: COUNT_CAP + 1]),
        "running": CappedCount(candidates.filter(status=Status.RUNNING).values("pk")[: COUNT_CAP + 1]),
    }


@dataclass
class ExperimentListRow:
    experiment: Experiment
    candidate_count: int
    running_count: int
    last_activity: datetime

    @property
    def candidate_count_label(self) -> str:
        return count_label(self.candidate_count)

    @property
    def running_count_label(self) -> str:
        return count_label(self.running_count)


def _experiments(
    *, project: Project, search: str = "", lifecycle: str = Lifecycle.ACTIVE
) -> QuerySet[Experiment]:
    qs = Experiment.objects.filter(project=project, lifecycle=lifecycle)
    if search:
        qs = qs.filter(name__icontains=search)
    return qs


def _model_experiment_q() -> Q:
    """The `[model]<name>` experiments the registry creates for versions without a source run."""
    return Q(name__startswith=MODEL_EXPERIMENT_PREFIX)


def model_experiment_count(*, project: Project, search: str = "", lifecycle: str = Lifecycle.ACTIVE) -> int:
    """How many `[model]` experiments the list hides (one query)."""
    return (
        _experiments(project=project, search=search, lifecycle=lifecycle)
        .filter(_model_experiment_q())
        .count()
    )


def experiment_list_page(
    *,
    project: Project,
    search: str = "",
    page: str | int = 1,
    lifecycle: str = Lifecycle.ACTIVE,
    include_model_experiments: bool = True,
) -> tuple[Page, list]:
    """One page of the project's experiments (active or deleted), most recently updated first, with candidate
    counts; `include_model_experiments=False` leaves out the registry's `[model]` experiments.

    3 queries: the count, the page (with creators), and one over the page's experiments for their candidates'
    (capped) counts and last activity.
    """
    qs = _experiments(project=project, search=search, lifecycle=lifecycle)
    if not include_model_experiments:
        qs = qs.exclude(_model_experiment_q())
    qs = qs.select_related("user").order_by("-updated_at", "-iid")
    page_obj = Paginator(qs, EXPERIMENTS_PER_PAGE).get_page(page)
    experiments = list(page_obj.object_list)
    # Candidates of a deleted experiment are deleted with it: count them in the lifecycle of the list.
    candidates = Candidate.objects.filter(experiment=OuterRef("pk"), lifecycle=lifecycle)
    last = candidates.order_by("-updated_at").values("updated_at")[:1]  # index candidate_exp_life_updated
    stats = (
        {
            row["pk"]: row
            for row in Experiment.objects.filter(pk__in=[e.pk for e in experiments]).values(
                "pk", **_capped_counts(candidates), last=Subquery(last)
            )
        }
        if experiments
        else {}
    )
    rows = []
    for experiment in experiments:
        stat = stats.get(experiment.pk, {})
        last = max(filter(None, [experiment.updated_at, stat.get("last")]))
        rows.append(ExperimentListRow(experiment, stat.get("total", 0), stat.get("running", 0), last))
    return page_obj, rows


def _head_metadata() -> Prefetch:
    # The description (MLflow's `mlflow.note.content` tag) first, then the user's tags (not `mlflow.*` system
    # tags) by name: at most HEAD_TAGS_LIMIT + 1 of them, so the head can say "more" without loading them all.
    first = Case(When(name=NOTE_TAG, then=Value(0)), default=Value(1), output_field=IntegerField())
    wanted = Q(name=NOTE_TAG) | ~Q(name__startswith=SYSTEM_TAG_PREFIX)
    rows = ExperimentMetadata.objects.filter(wanted).order_by(first, "name")[: HEAD_TAGS_LIMIT + 2]
    return Prefetch("metadata", queryset=rows, to_attr="head_metadata")


def _head_split(experiment: Experiment) -> None:
    """experiment.description (markdown source, "" if none), .head_tags (user tags, bounded), .more_tags."""
    rows = experiment.head_metadata
    experiment.description = next((m.value for m in rows if m.name == NOTE_TAG), "")
    tags = [m for m in rows if m.name != NOTE_TAG]
    experiment.head_tags, experiment.more_tags = tags[:HEAD_TAGS_LIMIT], len(tags) > HEAD_TAGS_LIMIT


def experiment_head_attach(*, experiment: Experiment) -> None:
    """Add the description and tags of the head to an experiment loaded elsewhere (one query)."""
    prefetch_related_objects([experiment], _head_metadata())
    _head_split(experiment)


def experiment_get_for_page(
    *, project: Project, iid: int, with_metadata: bool = False, lifecycle: str | None = Lifecycle.ACTIVE
) -> Experiment:
    """The experiment of the page (404 if not in the project, or not in `lifecycle` unless that is None);
    `with_metadata` adds its description and tags (one more query)."""
    qs = Experiment.objects.select_related("user").filter(project=project, iid=iid)
    if lifecycle is not None:
        qs = qs.filter(lifecycle=lifecycle)
    if with_metadata:
        qs = qs.prefetch_related(_head_metadata())
    experiment = qs.first()
    if experiment is None:
        raise Http404("Experiment not found")
    if with_metadata:
        _head_split(experiment)
    return experiment


@dataclass
class ExperimentCounts:
    total: int  # COUNT_CAP + 1 means "more than COUNT_CAP"
    running: int

    @property
    def total_label(self) -> str:
        return count_label(self.total)

    @property
    def running_label(self) -> str:
        return count_label(self.running)


def experiment_counts(*, experiment: Experiment) -> ExperimentCounts:
    """Active and running candidates (each counted up to COUNT_CAP + 1) in one query."""
    candidates = Candidate.objects.filter(experiment=OuterRef("pk"), lifecycle=Lifecycle.ACTIVE)
    row = Experiment.objects.filter(pk=experiment.pk).values(**_capped_counts(candidates)).get()
    return ExperimentCounts(total=row["total"], running=row["running"])
