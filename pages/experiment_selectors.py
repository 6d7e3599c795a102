"""Reads for the experiment pages. Each function issues a fixed number of queries, whatever the data size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404

from candidates.models import Candidate, Status
from experiments.models import Experiment, Lifecycle
from projects.models import Project

EXPERIMENTS_PER_PAGE = 20


@dataclass
class ExperimentListRow:
    experiment: Experiment
    candidate_count: int
    running_count: int
    last_activity: datetime


def _experiments(*, project: Project, search: str = "") -> QuerySet[Experiment]:
    qs = Experiment.objects.filter(project=project, lifecycle=Lifecycle.ACTIVE)
    if search:
        qs = qs.filter(name__icontains=search)
    return qs


def experiment_list_page(*, project: Project, search: str = "", page: str | int = 1) -> tuple[Page, list]:
    """One page of the project's experiments, most recently updated first, with candidate counts.

    3 queries: the count, the page (with creators), and one grouped query over the page's candidates.
    """
    qs = _experiments(project=project, search=search).select_related("user").order_by("-updated_at", "-iid")
    page_obj = Paginator(qs, EXPERIMENTS_PER_PAGE).get_page(page)
    experiments = list(page_obj.object_list)
    stats = (
        {
            row["experiment_id"]: row
            for row in Candidate.objects.filter(experiment__in=experiments, lifecycle=Lifecycle.ACTIVE)
            .values("experiment_id")
            .annotate(
                n=Count("id"), running=Count("id", filter=Q(status=Status.RUNNING)), last=Max("updated_at")
            )
            .order_by()
        }
        if experiments
        else {}
    )
    rows = []
    for experiment in experiments:
        stat = stats.get(experiment.pk, {})
        last = max(filter(None, [experiment.updated_at, stat.get("last")]))
        rows.append(ExperimentListRow(experiment, stat.get("n", 0), stat.get("running", 0), last))
    return page_obj, rows


def experiment_get_for_page(*, project: Project, iid: int) -> Experiment:
    experiment = (
        Experiment.objects.select_related("user")
        .filter(project=project, iid=iid, lifecycle=Lifecycle.ACTIVE)
        .first()
    )
    if experiment is None:
        raise Http404("Experiment not found")
    return experiment


@dataclass
class ExperimentCounts:
    total: int
    running: int


def experiment_counts(*, experiment: Experiment) -> ExperimentCounts:
    """Active and running candidates in one query."""
    row = Candidate.objects.filter(experiment=experiment, lifecycle=Lifecycle.ACTIVE).aggregate(
        total=Count("id"), running=Count("id", filter=Q(status=Status.RUNNING))
    )
    return ExperimentCounts(total=row["total"] or 0, running=row["running"] or 0)
