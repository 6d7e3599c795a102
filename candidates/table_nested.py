"""Nested candidates in the table: MLflow marks a child run with the `mlflow.parentRunId` tag (its parent's run id).

    top_level_q(*, experiment, match) -> Q   candidates that are not the child of an active candidate of the
                                             experiment (a child whose parent is gone or elsewhere stays a row)
    child_counts(*, experiment, parents, match) -> {parent id: number of active children}   one query
    child_ids(*, experiment, parent, match, limit) -> [candidate id]                       one query

`match` (a Q on Candidate: the table's filter and name box; empty by default) filters the tree: only matching
children are counted and listed, and a matching child whose parent does not match is a top-level row (so a
filter never hides a match behind a parent it left out).

The parent lookup goes through the unique index on `eid`: the tag's text becomes a uuid only when it is 32 hex
digits (a malformed tag is not a parent reference, and must not make the cast fail).
"""

from django.db.models import Count, Exists, Func, OuterRef, Q, UUIDField
from django.db.models.functions import Left

from experiments.models import Experiment, Lifecycle
from projects.mlflow_data import PARENT_RUN_TAG, eid_hex_of

from .models import Candidate, CandidateMetadata

MAX_CHILDREN = 100
PARENT_PREFIX = 64  # = candidates.models index candidate_metadata_parent


class HexUuid(Func):
    """A 32-hex text as uuid, NULL for anything else."""

    template = "(CASE WHEN %(expressions)s ~ '^[0-9a-fA-F]{32}$' THEN (%(expressions)s)::uuid END)"
    output_field = UUIDField()


def _parent_tags(experiment: Experiment, match: Q):
    """The parent tags of the experiment's active candidates that `match`, with `parent` = left(value, 64): the
    partial index candidate_metadata_parent's expression (a 32-hex run id equals its value exactly when it
    equals that)."""
    # EXISTS by primary key rather than a join: with a join PostgreSQL hashed every candidate of the experiment
    # (235 ms on 40k) for the few hundred children of a page's parents; this is a lookup per child (~2 ms).
    active_here = Candidate.objects.filter(
        pk=OuterRef("candidate_id"), experiment=experiment, lifecycle=Lifecycle.ACTIVE
    ).filter(match)
    return (
        CandidateMetadata.objects.filter(name=PARENT_RUN_TAG)
        .annotate(parent=Left("value", PARENT_PREFIX))
        .filter(Exists(active_here))
    )


def top_level_q(*, experiment: Experiment, match: Q | None = None) -> Q:
    parent_here = Candidate.objects.filter(
        experiment=experiment, lifecycle=Lifecycle.ACTIVE, eid=HexUuid(OuterRef("value"))
    ).filter(match or Q())
    child_tag = CandidateMetadata.objects.filter(candidate_id=OuterRef("pk"), name=PARENT_RUN_TAG).filter(
        Exists(parent_here)
    )
    return ~Q(Exists(child_tag))


def child_counts(
    *, experiment: Experiment, parents: list[Candidate], match: Q | None = None
) -> dict[int, int]:
    """Active children (that `match`) per parent among `parents` (one grouped query; none without parents)."""
    if not parents:
        return {}
    by_hex = {eid_hex_of(c.eid): c.pk for c in parents}
    rows = (
        _parent_tags(experiment, match or Q())
        .filter(parent__in=list(by_hex))
        .values("parent")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("parent", "n")
    )
    return {by_hex[value]: n for value, n in rows}


def parent_get(*, experiment: Experiment, candidate_id: str) -> Candidate | None:
    """The active candidate of the experiment whose children a table row expands (`candidate_id` as posted), or
    None."""
    if not candidate_id.isdigit():
        return None
    return Candidate.objects.filter(
        experiment=experiment, lifecycle=Lifecycle.ACTIVE, pk=int(candidate_id)
    ).first()


def child_ids(
    *, experiment: Experiment, parent: Candidate, match: Q | None = None, limit: int = MAX_CHILDREN
) -> list[int]:
    """The parent's active children (that `match`), the `limit` most recently created (the caller orders them
    for display)."""
    return list(
        _parent_tags(experiment, match or Q())
        .filter(parent=eid_hex_of(parent.eid))
        .order_by("-candidate_id")
        .values_list("candidate_id", flat=True)[:limit]
    )
