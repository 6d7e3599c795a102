"""Writes for projects, members, tokens and internal ids."""

import hashlib
import secrets
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import AccessToken, InternalId, Membership, Project, Role, TokenScope

TOKEN_PREFIX = "asy-"


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def internal_id_next(*, scope: str, scope_id: int) -> int:
    """Allocate the next number in a scope. Safe under concurrency: the UPDATE holds the row lock to commit."""
    with transaction.atomic():
        updated = InternalId.objects.filter(scope=scope, scope_id=scope_id).update(
            last_value=F("last_value") + 1
        )
        if not updated:
            try:
                with transaction.atomic():
                    InternalId.objects.create(scope=scope, scope_id=scope_id, last_value=1)
                    return 1
            except IntegrityError:
                InternalId.objects.filter(scope=scope, scope_id=scope_id).update(
                    last_value=F("last_value") + 1
                )
        return InternalId.objects.get(scope=scope, scope_id=scope_id).last_value


def project_create(*, path: str, name: str = "", description: str = "", owner=None) -> Project:
    project = Project(path=path, name=name or path.rsplit("/", 1)[-1], description=description)
    project.full_clean()
    project.save()
    if owner is not None:
        membership_set(project=project, user=owner, role=Role.OWNER)
    return project


def membership_set(*, project: Project, user, role: int) -> Membership:
    membership, _ = Membership.objects.update_or_create(project=project, user=user, defaults={"role": role})
    return membership


def access_token_create(
    *,
    user,
    name: str,
    scopes: str = TokenScope.API,
    project: Project | None = None,
    expires_at: datetime | None = None,
) -> tuple[AccessToken, str]:
    """Create a token and return it with its secret; the secret is not stored and cannot be recovered."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(30)
    token = AccessToken.objects.create(
        user=user,
        project=project,
        name=name,
        scopes=scopes,
        digest=token_digest(secret),
        prefix=secret[:10],
        expires_at=expires_at,
    )
    return token, secret


def access_token_mark_used(*, token: AccessToken) -> None:
    """Record the token's last use, at most once a minute (a busy client does not write on every request)."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def access_token_revoke(*, token: AccessToken) -> AccessToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def user_get_or_create(*, username: str):
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=username)
    return user
