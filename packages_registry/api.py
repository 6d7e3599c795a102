"""GitLab-compatible generic packages API under /api/v4/projects/<project>/packages/.

Errors are GitLab's JSON: {"message": "..."} with 400/401/403/404/413. Views parse, call one service or
selector, and render; authentication is projects.auth (Bearer or PRIVATE-TOKEN, or a browser session).
"""

import functools
import math

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from projects import errors as domain
from projects.auth import AccessDenied, api_context_for_request
from projects.models import Role

from . import selectors, services
from .models import PackageType
from .responses import file_response
from .services import FileTooLargeError, LengthRequiredError

MAX_PER_PAGE = 100


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"message": message}, status=status)


def gitlab_api(methods: tuple[str, ...]):
    """Wrap `view(request, project_ref, **kwargs)`: method check and exception → GitLab error JSON."""

    def decorator(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, project_ref: str, **kwargs):
            if request.method not in methods:
                return _error("405 Method Not Allowed", 405)
            try:
                return view(request, project_ref, **kwargs)
            except AccessDenied as exc:
                return _error(str(exc), exc.status)
            except FileTooLargeError as exc:
                return _error(f"413 Request Entity Too Large: {exc.message}", 413)
            except LengthRequiredError as exc:
                return _error(f"411 {exc.message}", 411)
            except domain.NotFoundError as exc:
                return _error(exc.message if exc.message.startswith("404") else f"404 {exc.message}", 404)
            except domain.DomainError as exc:
                return _error(f"400 Bad request - {exc.message}", 400)

        return wrapper

    return decorator


def _iso(dt) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def package_json(package) -> dict:
    return {
        "id": package.pk,
        "name": package.name,
        "version": package.version,
        "package_type": package.package_type,
        "status": package.status,
        "created_at": _iso(package.created_at),
        "file_count": getattr(package, "file_count", None),
        "size": getattr(package, "total_size", None) or 0,
        "_links": {"web_path": selectors.package_url(package=package)},
    }


def package_file_json(package_file) -> dict:
    return {
        "id": package_file.pk,
        "package_id": package_file.package_id,
        "created_at": _iso(package_file.created_at),
        "file_name": package_file.file_name,
        "path": package_file.path,
        "size": package_file.size,
        "content_type": package_file.content_type,
        "file_md5": package_file.md5 or None,
        "file_sha256": package_file.sha256 or None,
        "ingestion_status": package_file.ingestion_status,
        "ingestion_error": package_file.ingestion_error or None,
    }


def _paginate(request: HttpRequest, queryset, render) -> JsonResponse:
    """GitLab's offset pagination: ?page=&per_page= and X-Total/X-Page/X-Per-Page/X-Next-Page headers."""
    try:
        page = max(1, int(request.GET.get("page", 1)))
        per_page = min(MAX_PER_PAGE, max(1, int(request.GET.get("per_page", 20))))
    except ValueError as exc:
        raise domain.InvalidValueError("page and per_page must be integers") from exc
    total = queryset.count()
    items = list(queryset[(page - 1) * per_page : page * per_page])
    response = JsonResponse([render(item) for item in items], safe=False)
    total_pages = max(1, math.ceil(total / per_page))
    response["X-Total"] = str(total)
    response["X-Total-Pages"] = str(total_pages)
    response["X-Page"] = str(page)
    response["X-Per-Page"] = str(per_page)
    response["X-Next-Page"] = str(page + 1) if page < total_pages else ""
    response["X-Prev-Page"] = str(page - 1) if page > 1 else ""
    return response


@gitlab_api(("PUT", "GET", "HEAD"))
def generic_file(
    request: HttpRequest, project_ref: str, package_name: str, package_version: str, file_path: str
):
    """PUT streams the body into the package (creating it); GET/HEAD stream the file back (Range supported)."""
    if request.method == "PUT":
        ctx = api_context_for_request(request, project_ref, write=True)
        package = services.package_get_or_create(
            project=ctx.project, name=package_name, version=package_version, package_type=PackageType.GENERIC
        )
        length = request.META.get("CONTENT_LENGTH")
        package_file = services.package_file_upload(
            package=package,
            path=file_path,
            stream=request,
            content_length=int(length) if length and length.isdigit() else None,
            content_type=request.content_type,
        )
        return JsonResponse(
            {
                "message": "201 Created",
                "package_id": package.pk,
                "package_file": package_file_json(package_file),
            },
            status=201,
        )
    ctx = api_context_for_request(request, project_ref)
    package = selectors.package_find(
        project=ctx.project, name=package_name, version=package_version, package_type=PackageType.GENERIC
    )
    package_file = selectors.package_file_get(package=package, path=file_path) if package else None
    if package_file is None:
        raise domain.NotFoundError("404 Package File Not Found" if package else "404 Package Not Found")
    return file_response(request, package_file)


@gitlab_api(("GET",))
def package_list(request: HttpRequest, project_ref: str):
    ctx = api_context_for_request(request, project_ref)
    package_type = request.GET.get("package_type", "")
    if package_type and package_type not in PackageType.values:
        raise domain.InvalidValueError(f"package_type does not have a valid value: {package_type}")
    packages = selectors.package_list(
        project=ctx.project, name=request.GET.get("package_name", ""), package_type=package_type
    )
    return _paginate(request, packages, package_json)


@gitlab_api(("GET", "DELETE"))
def package_detail(request: HttpRequest, project_ref: str, package_id: int):
    if request.method == "DELETE":
        ctx = api_context_for_request(request, project_ref, write=True, min_role=Role.MAINTAINER)
        package = selectors.package_get_for_project(project=ctx.project, package_id=package_id)
        services.package_delete(package=package)
        return HttpResponse(status=204)
    ctx = api_context_for_request(request, project_ref)
    package = selectors.package_get_for_project(project=ctx.project, package_id=package_id)
    package = selectors.package_list(project=ctx.project).get(pk=package.pk)
    return JsonResponse(package_json(package))


@gitlab_api(("GET",))
def package_file_list(request: HttpRequest, project_ref: str, package_id: int):
    ctx = api_context_for_request(request, project_ref)
    package = selectors.package_get_for_project(project=ctx.project, package_id=package_id)
    return _paginate(request, selectors.package_files(package=package), package_file_json)


@gitlab_api(("DELETE",))
def package_file_delete(request: HttpRequest, project_ref: str, package_id: int, file_id: int):
    ctx = api_context_for_request(request, project_ref, write=True, min_role=Role.MAINTAINER)
    package = selectors.package_get_for_project(project=ctx.project, package_id=package_id)
    package_file = selectors.package_files(package=package).filter(pk=file_id).first()
    if package_file is None:
        raise domain.NotFoundError("404 Package File Not Found")
    services.package_file_delete(package_file=package_file)
    return HttpResponse(status=204)
