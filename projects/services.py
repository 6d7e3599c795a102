"""Writes for projects, members, tokens and internal ids."""

import hashlib
import secrets
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .errors import InvalidValueError
from .models import AccessToken, InternalId, Membership, Project, Role, TokenScope

TOKEN_PREFIX = "asy-"


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def internal_id_next(*, scope: str, scope_id: int, used: QuerySet | None = None) -> int:
    """Allocate the next number in a scope, in one statement (the upsert holds the counter's row lock to commit).

    `used` is the scope's rows with an `iid` column (e.g. the project's experiments): the next number is then
    max(counter, highest iid used) + 1, so a counter that fell behind (a database restore, rows inserted by hand or
    imported) heals itself instead of handing out a number that is taken. Like GitLab's InternalId, whose missing
    counter starts from the highest iid in use.
    """
    qn = connection.ops.quote_name
    table = qn(InternalId._meta.db_table)
    if used is None:
        floor_sql, floor_params = "0", []
    else:
        iids_sql, floor_params = used.order_by().values("iid").query.sql_with_params()
        floor_sql = f"(SELECT COALESCE(MAX(u.iid), 0) FROM ({iids_sql}) u)"
    sql = (
        f"INSERT INTO {table} (scope, scope_id, last_value) VALUES (%s, %s, {floor_sql} + 1)"
        f" ON CONFLICT (scope, scope_id) DO UPDATE"
        f" SET last_value = GREATEST({table}.last_value, {floor_sql}) + 1"
        " RETURNING last_value"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [scope, scope_id, *floor_params, *floor_params])
        return cursor.fetchone()[0]


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


def membership_grant(*, project: Project, user, role: int, lower: bool = False) -> Membership:
    """Give the user at least `role` in the project; an existing higher role is kept unless `lower` is set, so an
    operator command never silently demotes (e.g. the project's owner asking for a developer token)."""
    membership = Membership.objects.filter(project=project, user=user).first()
    if membership is not None and membership.role > role and not lower:
        return membership
    return membership_set(project=project, user=user, role=role)


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


def project_access_token_create(
    *,
    project: Project,
    creator_role: int,
    name: str,
    scopes: list[str],
    access_level: int = Role.MAINTAINER,
    expires_on: date | None = None,
) -> tuple[AccessToken, str]:
    """A project access token as GitLab makes one: a new bot user, a member of the project with `access_level`,
    holding a token valid in this project only until midnight UTC starting `expires_on`.

    Nobody mints a token above their own role (so only owners mint owner tokens). `expires_on` defaults to
    ASSAY_ACCESS_TOKEN_DEFAULT_DAYS from today and may be at most ASSAY_ACCESS_TOKEN_MAX_DAYS away.
    """
    if access_level not in Role.values:
        raise InvalidValueError(f"access_level does not have a valid value: {access_level}")
    if access_level > creator_role:
        raise InvalidValueError("access_level cannot be higher than your own role in the project")
    scope = _token_scope(scopes)
    expires_at = _token_expires_at(expires_on)
    with transaction.atomic():
        bot = get_user_model().objects.create(username=f"project_{project.pk}_bot_{secrets.token_hex(6)}")
        bot.set_unusable_password()
        bot.save(update_fields=["password"])
        membership_set(project=project, user=bot, role=access_level)
        return access_token_create(
            user=bot,
            project=project,
            name=name,
            scopes=scope,
            expires_at=expires_at,
        )


def _token_scope(scopes: list[str]) -> str:
    unknown = sorted(set(scopes) - set(TokenScope.values))
    if not scopes or unknown:
        raise InvalidValueError(f"scopes must be a non-empty list of {', '.join(TokenScope.values)}")
    # One stored scope: `api` includes everything `read_api` allows.
    return TokenScope.API if TokenScope.API in scopes else TokenScope.READ_API


def access_token_default_expiry() -> date:
    """The expiry a new token gets when none is given: ASSAY_ACCESS_TOKEN_DEFAULT_DAYS from today (UTC)."""
    return timezone.now().astimezone(UTC).date() + timedelta(days=settings.ASSAY_ACCESS_TOKEN_DEFAULT_DAYS)


def access_token_latest_expiry() -> date:
    """The latest expiry a new token may have: ASSAY_ACCESS_TOKEN_MAX_DAYS from today (UTC)."""
    return timezone.now().astimezone(UTC).date() + timedelta(days=settings.ASSAY_ACCESS_TOKEN_MAX_DAYS)


def _token_expires_at(expires_on: date | None) -> datetime:
    """Midnight UTC starting `expires_on` (GitLab's rule), after checking it is after today and not too far."""
    today = timezone.now().astimezone(UTC).date()
    if expires_on is None:
        expires_on = access_token_default_expiry()
    longest = settings.ASSAY_ACCESS_TOKEN_MAX_DAYS
    if not today < expires_on <= today + timedelta(days=longest):
        raise InvalidValueError(f"expires_at must be after today and at most {longest} days away")
    return datetime.combine(expires_on, time.min, tzinfo=UTC)


def personal_access_token_create(
    *, user, name: str, scopes: list[str], expires_on: date | None = None
) -> tuple[AccessToken, str]:
    """A personal access token of `user` (it acts as the user in every project the user is a member of), with
    the same scope and expiry rules as project access tokens. The secret is returned once, never stored."""
    name = name.strip()
    if not name:
        raise InvalidValueError("name is missing")
    return access_token_create(
        user=user, name=name, scopes=_token_scope(scopes), expires_at=_token_expires_at(expires_on)
    )


def user_get_or_create(*, username: str):
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=username)
    return user
