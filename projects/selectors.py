"""Reads: tokens by secret, projects a user may see, a user's role in a project."""

from urllib.parse import unquote

from django.db.models import QuerySet
from django.utils import timezone

from .models import AccessToken, Membership, Project
from .services import token_digest


def access_token_get_active(*, secret: str) -> AccessToken | None:
    """The token for a secret if it is neither revoked nor expired; records its last use (at most once a minute)."""
    if not secret:
        return None
    token = AccessToken.objects.select_related("user").filter(digest=token_digest(secret)).first()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def project_get_by_ref(*, ref: str) -> Project | None:
    """A project by numeric id or (URL-encoded) path, as GitLab's `/projects/:id` accepts both."""
    ref = unquote(ref)
    if ref.isdigit():
        return Project.objects.filter(pk=int(ref)).first()
    return Project.objects.filter(path=ref).first()


def project_role_for_user(*, project: Project, user) -> int | None:
    """The user's role in the project; superusers act as owners. None when not a member."""
    if user is None or not user.is_authenticated:
        return None
    if user.is_superuser:
        return 50
    return Membership.objects.filter(project=project, user=user).values_list("role", flat=True).first()


def project_list_for_user(*, user) -> QuerySet[Project]:
    if user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(memberships__user=user).distinct()
