"""API authentication and authorisation shared by the MLflow API and the generic-packages API.

Rules (GitLab's): no/bad/expired/revoked token → 401; a valid token that cannot see the project → 404 (the
project's existence is not revealed); reading needs reporter; writing needs developer and the `api` scope,
otherwise 403. Each API layer maps these exceptions to its own error JSON.
"""

from dataclasses import dataclass

from django.http import HttpRequest

from .models import AccessToken, Project, Role
from .selectors import access_for_token, project_get_by_ref, project_role_for_user
from .services import access_token_mark_used


class AccessDenied(Exception):
    status = 403
    message = "Forbidden"

    def __init__(self, message: str | None = None):
        super().__init__(message or self.message)


class NotAuthenticated(AccessDenied):
    status = 401
    message = "401 Unauthorized: a valid access token is required"


class ProjectNotFound(AccessDenied):
    status = 404
    message = "404 Project Not Found"


class Forbidden(AccessDenied):
    status = 403
    message = "403 Forbidden"


@dataclass(frozen=True)
class ApiContext:
    project: Project
    user: object
    token: AccessToken | None
    role: int

    @property
    def can_write(self) -> bool:
        return self.role >= Role.DEVELOPER and (self.token is None or self.token.can_write)

    @property
    def can_maintain(self) -> bool:
        return self.role >= Role.MAINTAINER and (self.token is None or self.token.can_write)


def token_secret_from_request(request: HttpRequest) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.META.get("HTTP_PRIVATE_TOKEN", "").strip()


def api_context_for_request(
    request: HttpRequest, project_ref: str, *, write: bool = False, min_role: int | None = None
) -> ApiContext:
    """Authenticate the request's token (or session) and authorise it on the project, or raise AccessDenied."""
    context = api_context_authenticate(request, project_ref)
    api_context_authorise(context, write=write, min_role=min_role)
    return context


def api_context_authenticate(request: HttpRequest, project_ref: str) -> ApiContext:
    """Who is calling and their role in the project: 401 without valid credentials, 404 when they cannot see
    the project, 403 below reporter. What the call itself needs is `api_context_authorise`'s business."""
    token = None
    secret = token_secret_from_request(request)
    if secret:
        # Token, user, project and role in one query: this runs on every API call.
        token, project, role = access_for_token(secret=secret, project_ref=project_ref)
        if token is None:
            raise NotAuthenticated()
        access_token_mark_used(token=token)
        user = token.user
    elif (
        request.method in ("GET", "HEAD", "OPTIONS")
        and getattr(request, "user", None) is not None
        and request.user.is_authenticated
    ):
        # A signed-in browser session may read (dashboard JSON, downloads). APIs are CSRF-exempt, so a cookie
        # alone must never be enough to write: writes need a token.
        user = request.user
        project = project_get_by_ref(ref=project_ref)
        role = project_role_for_user(project=project, user=user) if project is not None else None
    else:
        raise NotAuthenticated()

    if project is None or (token is not None and token.project_id not in (None, project.pk)):
        raise ProjectNotFound()
    if role is None:
        raise ProjectNotFound()
    if role < Role.REPORTER:
        raise Forbidden("403 Forbidden: reading needs at least the reporter role")
    return ApiContext(project=project, user=user, token=token, role=role)


def api_context_authorise(context: ApiContext, *, write: bool = False, min_role: int | None = None) -> None:
    """Raise Forbidden unless the caller has `min_role` (default: developer to write, reporter to read) and,
    to write, a token with the `api` scope."""
    needed = min_role if min_role is not None else (Role.DEVELOPER if write else Role.REPORTER)
    if write and context.token is not None and not context.token.can_write:
        raise Forbidden("403 Forbidden: this token has the read_api scope only")
    if context.role < needed:
        raise Forbidden(f"403 Forbidden: this needs the {Role(needed).label.lower()} role")
