"""Nested candidates in the table: MLflow marks a child run with the `mlflow.parentRunId` tag (its parent's run id).

    top_level_q(*, experiment) -> Q          candidates that are not the child of an active candidate of the
                                             experiment (a child whose parent is gone or elsewhere stays a row)
    child_counts(*, experiment, parents) -> {parent id: number of active children}   one query
    child_ids(*, experiment, parent, limit) -> [candidate id]                       one query

The parent lookup goes through the unique index on `eid`: the tag's text becomes a uuid only when it is 32 hex
digits (a malformed tag is not a parent reference, and must not make the cast fail).
"""

from django.db.models import Count, Exists, F, Func, OuterRef, Q, UUIDField

from experiments.models import Experiment, Lifecycle
from projects.mlflow_data import PARENT_RUN_TAG, run_id_of

from .models import Candidate, CandidateMetadata

MAX_CHILDREN = 100


class HexUuid(Func):
    """A 32-hex text as uuid, NULL for anything else."""

    template = "(CASE WHEN %(expressions)s ~ '^[0-9a-fA-F]{32}$' THEN (%(expressions)s)::uuid END)"
    output_field = UUIDField()


def _parent_tags(experiment: Experiment):
    return CandidateMetadata.objects.filter(
        name=PARENT_RUN_TAG,
        candidate__experiment=experiment,
        candidate__lifecycle=Lifecycle.ACTIVE,
    )


def top_level_q(*, experiment: Experiment) -> Q:
    parent_here = Candidate.objects.filter(
        experiment=experiment, lifecycle=Lifecycle.ACTIVE, eid=HexUuid(OuterRef("value"))
    )
    child_tag = CandidateMetadata.objects.filter(candidate_id=OuterRef("pk"), name=PARENT_RUN_TAG).filter(
        Exists(parent_here)
    )
    return ~Q(Exists(child_tag))


def child_counts(*, experiment: Experiment, parents: list[Candidate]) -> dict[int, int]:
    """Active children per parent among `parents` (one grouped query; none when there are no parents)."""
    if not parents:
        return {}
    by_hex = {run_id_of(c.eid): c.pk for c in parents}
    rows = (
        _parent_tags(experiment)
        .filter(value__in=list(by_hex))
        .values("value")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("value", "n")
    )
    return {by_hex[value]: n for value, n in rows}


def child_ids(*, experiment: Experiment, parent: Candidate, limit: int = MAX_CHILDREN) -> list[int]:
    """The parent's active children, newest first (at most `limit`)."""
    return list(
        _parent_tags(experiment)
        .filter(value=run_id_of(parent.eid))
        .order_by(F("candidate__start_time").desc(nulls_last=True), "-candidate_id")
        .values_list("candidate_id", flat=True)[:limit]
    )
