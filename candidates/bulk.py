"""Deleting and restoring candidates from the web pages.

Rule (GitLab's `write_model_experiments`, the same as the MLflow API's runs/delete and runs/restore): developers,
maintainers, owners and admins may delete any candidate of the project, whoever created it; reporters may delete
nothing. Deletion is MLflow's soft delete (lifecycle `deleted`): the candidates leave every page and search, and
`restore_run` still works.
"""

from django.db import transaction
from django.utils import timezone

from experiments.models import Lifecycle
from projects.models import Project, Role

from .models import Candidate


def candidate_can_delete(*, role: int) -> bool:
    return role >= Role.DEVELOPER


def candidate_delete_many(*, project: Project, candidate_ids: list[int], role: int) -> int:
    """Soft-delete the given active candidates of the project; returns how many were deleted.

    Ids from another project are skipped silently (the page shows the count); below developer nothing is deleted.
    """
    if not candidate_ids or not candidate_can_delete(role=role):
        return 0
    with transaction.atomic():
        return Candidate.objects.filter(
            project=project, pk__in=candidate_ids, lifecycle=Lifecycle.ACTIVE
        ).update(lifecycle=Lifecycle.DELETED, updated_at=timezone.now())


def candidate_restore_many(*, project: Project, candidate_ids: list[int], role: int) -> int:
    """Restore the given soft-deleted candidates of the project (the delete rule: developers and up); returns
    how many were restored. Candidates of a deleted experiment stay deleted (MLflow's restore_run refuses them
    too); ids from another project are skipped silently."""
    if not candidate_ids or not candidate_can_delete(role=role):
        return 0
    with transaction.atomic():
        return Candidate.objects.filter(
            project=project,
            pk__in=candidate_ids,
            lifecycle=Lifecycle.DELETED,
            experiment__lifecycle=Lifecycle.ACTIVE,
        ).update(lifecycle=Lifecycle.ACTIVE, updated_at=timezone.now())
