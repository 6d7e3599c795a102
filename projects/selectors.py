"""Reads: tokens by secret, projects a user may see, a user's role in a project."""

import functools
from urllib.parse import unquote

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Lower
from django.utils import timezone

from .db import hot_cursor
from .errors import InvalidValueError, NotFoundError
from .models import AccessToken, Membership, Project
from .services import token_digest

_MAX_ID = 2**63 - 1


def _token_active(token: AccessToken | None) -> AccessToken | None:
    """The token if it is neither revoked nor expired and its user is active."""
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= timezone.now():
        return None
    return token


def _select(model, alias: str) -> tuple[list[str], str]:
    fields = model._meta.concrete_fields
    qn = connection.ops.quote_name
    return [f.attname for f in fields], ", ".join(f"{alias}.{qn(f.column)}" for f in fields)


@functools.cache
def _access_sql(project_match: str) -> tuple[str, list[str], list[str], list[str]]:
    """The token/user/project/membership JOIN and its column names, built once per process (PostgreSQL only)."""
    User = get_user_model()
    qn = connection.ops.quote_name
    token_names, token_cols = _select(AccessToken, "t")
    user_names, user_cols = _select(User, "u")
    project_names, project_cols = _select(Project, "p")
    sql = (
        f"SELECT {token_cols}, {user_cols}, {project_cols}, m.{qn('role')}"
        f" FROM {qn(AccessToken._meta.db_table)} t"
        f" JOIN {qn(User._meta.db_table)} u ON u.{qn(User._meta.pk.column)} = t.{qn('user_id')}"
        f" LEFT JOIN {qn(Project._meta.db_table)} p ON {project_match}"
        f" LEFT JOIN {qn(Membership._meta.db_table)} m ON m.{qn('project_id')} = p.{qn('id')}"
        f" AND m.{qn('user_id')} = t.{qn('user_id')}"
        " WHERE t.digest = %s"
    )
    return sql, token_names, user_names, project_names


def access_for_token(
    *, secret: str, project_ref: str
) -> tuple[AccessToken | None, Project | None, int | None]:
    """(active token with its user, the project by ref, the token user's role in it) in one query.

    The API's hot path: every MLflow call authenticates, so token, user, project and membership come from one
    JOIN instead of three round trips. (None, None, None) for an unknown/revoked/expired token; the project is
    None when no project has that ref; the role follows `project_role_for_user` (superusers act as owners).
    """
    if not secret:
        return None, None, None
    ref = unquote(project_ref)
    if ref.isdigit():
        project_match, ref_value = "p.id = %s", int(ref) if int(ref) <= _MAX_ID else -1
    else:
        # Case-insensitive like GitLab; served by the unique index on lower(path).
        project_match, ref_value = "lower(p.path) = %s", ref.lower()
    sql, token_names, user_names, project_names = _access_sql(project_match)
    with hot_cursor() as cursor:
        cursor.execute(sql, [ref_value, token_digest(secret)])
        row = cursor.fetchone()
    if row is None:
        return None, None, None
    a, b = len(token_names), len(token_names) + len(user_names)
    token = AccessToken.from_db(connection.alias, token_names, row[:a])
    token.user = get_user_model().from_db(connection.alias, user_names, row[a:b])
    if _token_active(token) is None:
        return None, None, None
    project_row = row[b : b + len(project_names)]
    if project_row[0] is None:
        return token, None, None
    project = Project.from_db(connection.alias, project_names, project_row)
    role = 50 if token.user.is_superuser else row[-1]
    return token, project, role


def project_get_by_ref(*, ref: str) -> Project | None:
    """A project by numeric id or (URL-encoded) path, as GitLab's `/projects/:id` accepts both; paths match
    case-insensitively (GitLab's rule), through the unique index on lower(path)."""
    ref = unquote(ref)
    if ref.isdigit():
        return Project.objects.filter(pk=int(ref)).first() if int(ref) <= _MAX_ID else None
    return Project.objects.alias(lower_path=Lower("path")).filter(lower_path=ref.lower()).first()


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


def _project_access_tokens(*, project: Project) -> QuerySet[AccessToken]:
    role = Membership.objects.filter(project=project, user=OuterRef("user_id")).values("role")[:1]
    return (
        AccessToken.objects.filter(project=project)
        .select_related("user")
        .annotate(access_level=Subquery(role))
        .order_by("-created_at", "-pk")
    )


def project_access_token_list(*, project: Project, state: str = "") -> QuerySet[AccessToken]:
    """The project's access tokens (not its members' personal ones), newest first, each with `access_level`;
    `state` "active" or "inactive" (revoked, expired or with a deactivated user) narrows them."""
    return _tokens_in_state(_project_access_tokens(project=project), state)


def _tokens_in_state(tokens: QuerySet[AccessToken], state: str) -> QuerySet[AccessToken]:
    """`state` "active" or "inactive" (revoked, expired or with a deactivated user) narrows them; "" keeps all."""
    active = Q(revoked_at__isnull=True, user__is_active=True) & (
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
    )
    if state == "active":
        return tokens.filter(active)
    if state == "inactive":
        return tokens.exclude(active)
    if state:
        raise InvalidValueError(f"state does not have a valid value: {state}")
    return tokens


def project_access_token_get(*, project: Project, token_id: int) -> AccessToken:
    token = (
        _project_access_tokens(project=project).filter(pk=token_id).first() if token_id <= _MAX_ID else None
    )
    if token is None:
        raise NotFoundError("404 Not Found")
    return token


def access_token_is_active(token: AccessToken) -> bool:
    return _token_active(token) is not None


def personal_access_token_list(*, user, state: str = "") -> QuerySet[AccessToken]:
    """The user's personal access tokens (not project tokens), newest first; `state` as for project tokens."""
    tokens = AccessToken.objects.filter(user=user, project__isnull=True).select_related("user")
    return _tokens_in_state(tokens.order_by("-created_at", "-pk"), state)


def personal_access_token_get(*, user, token_id: int) -> AccessToken:
    """One of the user's own personal access tokens, or NotFoundError (another user's token is not found)."""
    token = (
        personal_access_token_list(user=user).filter(pk=token_id).first() if 0 < token_id <= _MAX_ID else None
    )
    if token is None:
        raise NotFoundError("404 Not Found")
    return token


def access_token_get_by_secret(*, secret: str) -> AccessToken | None:
    """The active token with this secret (its user selected), or None."""
    if not secret:
        return None
    token = AccessToken.objects.select_related("user").filter(digest=token_digest(secret)).first()
    return _token_active(token)
