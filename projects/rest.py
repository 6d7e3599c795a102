"""Django REST framework glue shared by Assay's own (GitLab-shaped, non-MLflow) APIs.

`GitLabApiView` authenticates through `projects.auth` (the same one-query token lookup the MLflow API uses),
authorises per HTTP method with the view's `access` table, answers every error as GitLab's
`{"message": "..."}` JSON with the same status codes as before the port, and never negotiates content
(GitLab answers JSON whatever the Accept header says). `paginate` is GitLab's offset pagination.
"""

import math

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.renderers import OpenApiJsonRenderer2
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from . import errors as domain
from .auth import (
    AccessDenied,
    ApiContext,
    NotAuthenticated,
    api_context_authenticate,
    api_context_authorise,
    token_secret_from_request,
)
from .models import AccessToken
from .selectors import access_token_get_by_secret
from .services import access_token_mark_used

MAX_PER_PAGE = 100


class ErrorSerializer(serializers.Serializer):
    """GitLab's error body."""

    message = serializers.CharField()


def error_responses(*codes: int) -> dict:
    """OpenAPI: these status codes answer GitLab's error body."""
    return {code: OpenApiResponse(ErrorSerializer, description="error") for code in codes}


class ProjectTokenAuthentication(BaseAuthentication):
    """A token (`Authorization: Bearer` or `PRIVATE-TOKEN`) or, for safe methods, a signed-in session, checked
    against the project in the URL. `request.auth` is the `ApiContext` (on a user-level endpoint, without
    `project_ref`: the token, see `user_token_authenticate`). Failures raise `AccessDenied` (401/404/403),
    which the view's handler renders, so DRF adds no `WWW-Authenticate` header of its own."""

    def authenticate(self, request):
        if "project_ref" not in request.parser_context["kwargs"]:
            # A user-level endpoint (personal access tokens): one class for both, so the OpenAPI document
            # describes one pair of security schemes.
            return user_token_authenticate(request._request)
        project_ref = request.parser_context["kwargs"]["project_ref"]
        context = api_context_authenticate(request._request, project_ref)
        return context.user, context


def user_token_authenticate(request) -> tuple[object, AccessToken | None]:
    """(user, token) for an endpoint outside any project: any active token (401 otherwise), or a signed-in
    session for safe methods (token None)."""
    secret = token_secret_from_request(request)
    if secret:
        token = access_token_get_by_secret(secret=secret)
        if token is None:
            raise NotAuthenticated()
        access_token_mark_used(token=token)
        return token.user, token
    user = getattr(request, "user", None)
    if request.method in ("GET", "HEAD", "OPTIONS") and user is not None and user.is_authenticated:
        return user, None
    raise NotAuthenticated()


class ProjectTokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = ProjectTokenAuthentication
    name = ["bearer", "privateToken"]

    def get_security_requirement(self, auto_schema):
        return [{"bearer": []}, {"privateToken": []}]  # either header, not both

    def get_security_definition(self, auto_schema):
        return [
            {"type": "http", "scheme": "bearer"},
            {"type": "apiKey", "in": "header", "name": "PRIVATE-TOKEN"},
        ]


class ProjectRole(BasePermission):
    """The role (and token scope, for writes) the view's `access[method]` = (write, min_role) asks for."""

    def has_permission(self, request, view) -> bool:
        write, min_role = view.access[request.method]
        api_context_authorise(request.auth, write=write, min_role=min_role)
        return True


class JsonOnly(DefaultContentNegotiation):
    """Parsers by Content-Type as usual; the answer is JSON whatever Accept says (never a 406)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class OpenApiDocument(SpectacularJSONAPIView):
    """/api/v4/openapi.json: public, application/json whatever the Accept header (as the hand-written one was)."""

    renderer_classes = [OpenApiJsonRenderer2]
    content_negotiation_class = JsonOnly


def error_response(message: str, status: int) -> Response:
    return Response({"message": message}, status=status)


def _api_exception_message(exc: exceptions.APIException) -> str:
    detail = exc.detail
    if isinstance(detail, dict):
        detail = "; ".join(
            f"{field} {' '.join(str(m) for m in (msgs if isinstance(msgs, list) else [msgs]))}"
            for field, msgs in detail.items()
        )
    elif isinstance(detail, list):
        detail = " ".join(str(m) for m in detail)
    return str(detail)


def gitlab_exception_handler(exc, context):
    """Domain and access errors → GitLab's {"message": ...}; anything else propagates (a real 500)."""
    if isinstance(exc, AccessDenied):
        return error_response(str(exc), exc.status)
    if isinstance(exc, domain.NotFoundError):
        return error_response(exc.message if exc.message.startswith("404") else f"404 {exc.message}", 404)
    if isinstance(exc, domain.DomainError):
        return error_response(f"400 Bad request - {exc.message}", 400)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return error_response("405 Method Not Allowed", 405)
    if isinstance(exc, exceptions.ValidationError | exceptions.ParseError):
        return error_response(f"400 Bad request - {_api_exception_message(exc)}", 400)
    if isinstance(exc, exceptions.APIException):
        return error_response(f"{exc.status_code} {_api_exception_message(exc)}", exc.status_code)
    return None


@csrf_exempt
def api_not_found(request, **kwargs) -> JsonResponse:
    """Any method on a path under /api/v4/ that no endpoint matches (GitLab answers JSON, not an HTML page)."""
    return JsonResponse({"message": "404 Not Found"}, status=404)


class GitLabApiView(APIView):
    """Base view of a project-scoped API endpoint (URL kwarg `project_ref`).

    Subclasses set `http_method_names` (lower case, what the endpoint answers; anything else is 405 before any
    authentication, as before the port) and `access = {"GET": (write, min_role), ...}`.
    """

    access: dict[str, tuple[bool, int]] = {}
    authentication_classes = [ProjectTokenAuthentication]
    permission_classes = [ProjectRole]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonOnly
    metadata_class = None

    @property
    def default_response_headers(self) -> dict:
        return {}  # no Allow/Vary on every answer: the wire stays what clients saw before the port

    def get_exception_handler(self):
        return gitlab_exception_handler

    def initial(self, request, *args, **kwargs):
        if request.method.lower() not in self.http_method_names:
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)

    @property
    def api_context(self) -> ApiContext:
        return self.request.auth


PAGING_PARAMETERS = [
    OpenApiParameter("page", int, description="page number, from 1", default=1),
    OpenApiParameter("per_page", int, description=f"items per page, at most {MAX_PER_PAGE}", default=20),
]
PROJECT_PARAMETER = OpenApiParameter(
    "project_ref", str, OpenApiParameter.PATH, description="project id or URL-encoded path"
)


INT64_MAX = 2**63 - 1


def _int64_param(request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw) if len(raw) <= 20 else None  # int() of a 5,000-digit string raises ValueError
    except ValueError:
        value = None
    if value is None or not -(2**63) <= value <= INT64_MAX:
        raise domain.InvalidValueError(f"{name} is invalid: a 64-bit integer is expected")
    return value


def paginate(request, queryset, render) -> Response:
    """GitLab's offset pagination: ?page=&per_page= and X-Total/X-Page/X-Per-Page/X-Next-Page headers.

    `render(items)` turns one page of rows into the JSON list."""
    page = max(1, _int64_param(request, "page", 1))
    per_page = min(MAX_PER_PAGE, max(1, _int64_param(request, "per_page", 20)))
    offset = (page - 1) * per_page
    if offset > INT64_MAX:  # the row offset PostgreSQL would be asked for (a bigint)
        raise domain.InvalidValueError("page is out of range")
    total = queryset.count()
    total_pages = max(1, math.ceil(total / per_page))
    items = list(queryset[offset : offset + per_page]) if offset < total else []  # past the end: empty
    response = Response(render(items))
    response["X-Total"] = str(total)
    response["X-Total-Pages"] = str(total_pages)
    response["X-Page"] = str(page)
    response["X-Per-Page"] = str(per_page)
    response["X-Next-Page"] = str(page + 1) if page < total_pages else ""
    response["X-Prev-Page"] = str(page - 1) if page > 1 else ""
    return response
