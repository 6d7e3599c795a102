"""Deleting candidates from the web pages.

Rule (GitLab's): a maintainer (or owner, or an admin) may delete any candidate of the project; a developer may
delete the candidates they created (`candidate.user` is them); reporters may delete nothing. Deletion is MLflow's
soft delete (lifecycle `deleted`): the candidates leave every page and search, and `restore_run` still works.
"""

from django.db import transaction
from django.utils import timezone

from experiments.models import Lifecycle
from projects.models import Project, Role

from .models import Candidate


def candidate_deletable_filter(*, user, role: int) -> dict:
    """ORM filter kwargs for the candidates this user may delete ({} = all; None-valued user = nothing)."""
    if role >= Role.MAINTAINER:
        return {}
    if role >= Role.DEVELOPER:
        return {"user": user}
    return {"pk__in": []}


def candidate_can_delete(*, candidate: Candidate, user, role: int) -> bool:
    if role >= Role.MAINTAINER:
        return True
    return role >= Role.DEVELOPER and candidate.user_id is not None and candidate.user_id == user.pk


def candidate_delete_many(*, project: Project, candidate_ids: list[int], user, role: int) -> int:
    """Soft-delete the given candidates of the project that the user may delete; returns how many were deleted.

    Ids from another project or that the user may not delete are skipped silently (the page shows the count).
    """
    if not candidate_ids:
        return 0
    with transaction.atomic():
        return Candidate.objects.filter(
            project=project,
            pk__in=candidate_ids,
            lifecycle=Lifecycle.ACTIVE,
            **candidate_deletable_filter(user=user, role=role),
        ).update(lifecycle=Lifecycle.DELETED, updated_at=timezone.now())
