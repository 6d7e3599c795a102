"""MLflow artifact proxy endpoints (`mlflow-artifacts:` URIs) backed by the package registry.

The client resolves a run's `mlflow-artifacts:/<experiment iid>/<run id>/artifacts` against the tracking URI to
`<tracking uri>/api/2.0/mlflow-artifacts/artifacts/<experiment iid>/<run id>/artifacts/<path>`; a logged model's
files live under `<experiment iid>/models/<model id>/artifacts/<path>`. Uploads are one raw PUT per file and are
streamed; listing a missing folder is an empty 200; a missing file is a 404.
"""

import functools
import re
import uuid

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt

from candidates.models import Candidate
from packages_registry import logged_models, selectors, services
from packages_registry.responses import file_response
from packages_registry.validators import normalize_dir_path
from projects.auth import ApiContext, api_context_for_request
from projects.errors import InvalidValueError, NotFoundError

from .base import mlflow_endpoint
from .errors import MlflowError, error_response, response_for_exception

_RUN_PATH = re.compile(r"^(?P<exp>\d+)/(?P<run>[0-9a-fA-F]{32})/artifacts(?:/(?P<rest>.*))?$")
_MODEL_PATH = re.compile(r"^(?P<exp>\d+)/models/(?P<model>m-[0-9a-fA-F]{32})/artifacts(?:/(?P<rest>.*))?$")


def _locate(ctx: ApiContext, path: str, *, create: bool = False):
    """(package or None, path inside the package) for an artifact path; NotFoundError for an unknown run/model."""
    path = path.strip("/")
    match = _RUN_PATH.match(path)
    if match:
        candidate = (
            Candidate.objects.select_related("experiment", "project")
            .filter(project=ctx.project, eid=uuid.UUID(match["run"]), experiment__iid=int(match["exp"]))
            .first()
        )
        if candidate is None:
            raise NotFoundError(f"Run '{match['run']}' not found")
        package = (
            services.candidate_package_get_or_create(candidate=candidate)
            if create
            else selectors.package_for_candidate(candidate=candidate)
        )
        return package, normalize_dir_path(match["rest"] or "")
    match = _MODEL_PATH.match(path)
    if match:
        model = logged_models.logged_model_get(project=ctx.project, model_id=match["model"])
        if model.experiment.iid != int(match["exp"]):
            raise NotFoundError(f"Logged model with ID '{match['model']}' not found.")
        return model.package, normalize_dir_path(match["rest"] or "")
    if create:
        raise InvalidValueError(f"Artifact path {path!r} is not inside a run or a logged model")
    return None, ""


def artifact_endpoint(view):
    """Like `mlflow_endpoint`, but never parses the body: uploads are streamed by the view."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request: HttpRequest, project_ref: str, **kwargs):
        if request.method not in ("GET", "HEAD", "PUT", "DELETE"):
            return error_response(
                "ENDPOINT_NOT_FOUND", f"This endpoint does not accept {request.method}", 405
            )
        try:
            ctx = api_context_for_request(request, project_ref, write=request.method in ("PUT", "DELETE"))
            return view(request, ctx, **kwargs)
        except services.FileTooLargeError as exc:
            return error_response("INVALID_PARAMETER_VALUE", exc.message, status=413)
        except services.LengthRequiredError as exc:
            return error_response("BAD_REQUEST", exc.message, status=411)
        except Exception as exc:  # noqa: BLE001 - mapped or re-raised
            response = response_for_exception(exc)
            if response is None:
                raise
            return response

    return wrapper


@artifact_endpoint
def artifact(request: HttpRequest, ctx: ApiContext, artifact_path: str):
    if request.method == "PUT":
        package, rel = _locate(ctx, artifact_path, create=True)
        if not rel:
            raise MlflowError("An artifact upload needs a file path")
        length = request.META.get("CONTENT_LENGTH")
        services.package_file_upload(
            package=package,
            path=rel,
            stream=request,
            content_length=int(length) if length and length.isdigit() else None,
            content_type=request.content_type,
        )
        return JsonResponse({})
    if request.method == "DELETE":
        package, rel = _locate(ctx, artifact_path)
        if package is not None:
            services.package_files_delete_under(package=package, prefix=rel)
        return JsonResponse({})
    package, rel = _locate(ctx, artifact_path)
    package_file = selectors.package_file_get(package=package, path=rel) if package and rel else None
    if package_file is None:
        return error_response("RESOURCE_DOES_NOT_EXIST", f"File {artifact_path} not found", status=404)
    return file_response(request, package_file)


@mlflow_endpoint(("GET",))
def artifact_list(request: HttpRequest, ctx: ApiContext, data: dict):
    path = data.get("path") or ""
    if not isinstance(path, str):
        raise MlflowError("path must be a string")
    package, rel = _locate(ctx, path)
    files = []
    for entry in selectors.package_directory_list(package=package, prefix=rel):
        item = {"path": entry.name, "is_dir": entry.is_dir}
        # The reference omits file_size for folders, and (proto3 default) for empty files.
        if not entry.is_dir and entry.size:
            item["file_size"] = str(entry.size)
        files.append(item)
    return {"files": files} if files else {}


@mlflow_endpoint(("GET",))
def server_info(request: HttpRequest, ctx: ApiContext, data: dict):
    # Multipart (presigned) uploads/downloads are off: the client then PUTs/GETs whole files through us.
    return {
        "store_type": "SqlStore",
        "workspaces_enabled": False,
        "multipart_uploads_enabled": False,
        "multipart_downloads_enabled": False,
    }


def _no_multipart(request: HttpRequest, project_ref: str, **kwargs) -> HttpResponse:
    return error_response("NOT_IMPLEMENTED", "Multipart artifact uploads are not supported", status=501)


urlpatterns = [
    re_path(r"^api/2\.0/mlflow-artifacts/artifacts/?$", artifact_list),
    re_path(r"^api/2\.0/mlflow-artifacts/mpu/", csrf_exempt(_no_multipart)),
    re_path(r"^api/2\.0/mlflow-artifacts/artifacts/(?P<artifact_path>.+)$", artifact),
    re_path(r"^api/[23]\.0/mlflow/server-info/?$", server_info),
]
