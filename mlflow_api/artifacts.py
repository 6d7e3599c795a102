"""MLflow artifact proxy endpoints (`mlflow-artifacts:` URIs) backed by the package registry.

The client resolves a run's `mlflow-artifacts:/<experiment iid>/<run id>/artifacts` against the tracking URI to
`<tracking uri>/api/2.0/mlflow-artifacts/artifacts/<experiment iid>/<run id>/artifacts/<path>`; a logged model's
files live under `<experiment iid>/models/<model id>/artifacts/<path>`, a trace's (its spans, `traces.json`) under
`<experiment iid>/traces/<trace id>/artifacts/<path>`. Uploads are one raw PUT per file and are
streamed; listing a missing folder is an empty 200; a missing file is a 404.
"""

import functools
import posixpath
import re
import uuid

from django.http import HttpRequest, JsonResponse
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt

from candidates.models import Candidate
from candidates.selectors import candidate_get_for_project
from packages_registry import logged_models, selectors, services
from packages_registry.multipart import multipart_supported
from packages_registry.responses import file_response
from packages_registry.validators import normalize_dir_path
from projects.auth import ApiContext, api_context_for_request
from projects.errors import InvalidValueError, NotFoundError
from traces.selectors import trace_get_in_experiment

from .base import mlflow_endpoint
from .errors import MlflowError, error_response, response_for_exception

_RUN_PATH = re.compile(r"^(?P<exp>\d+)/(?P<run>[0-9a-fA-F]{32})/artifacts(?:/(?P<rest>.*))?$")
_MODEL_PATH = re.compile(r"^(?P<exp>\d+)/models/(?P<model>m-[0-9a-fA-F]{32})/artifacts(?:/(?P<rest>.*))?$")
_TRACE_PATH = re.compile(r"^(?P<exp>\d{1,18})/traces/(?P<trace>[^/]+)/artifacts(?:/(?P<rest>.*))?$")


def _artifact_rel_path(path: str | None) -> str:
    """A path inside a run or model as MLflow's `validate_path_is_safe` reads it: a '..' segment is refused with the
    reference's "Invalid path"; an empty or '.' segment means "here" (`list_artifacts(run, ".")` lists the root)."""
    # `…/artifacts//abs/file` names an absolute path: refused, not quietly stored as `abs/file`.
    if path and path.startswith("/"):
        raise InvalidValueError(f"Invalid artifact path {path!r}: an absolute path is not allowed")
    segments = (path or "").split("/")
    if ".." in segments:
        raise MlflowError("Invalid path")
    return normalize_dir_path("/".join(s for s in segments if s not in ("", ".")))


def _locate(ctx: ApiContext, path: str, *, create: bool = False):
    """(package or None, path inside the package) for an artifact path; NotFoundError for an unknown run/model."""
    if ".." in path.split("/"):
        raise MlflowError("Invalid path")
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
        return package, _artifact_rel_path(match["rest"])
    match = _MODEL_PATH.match(path)
    if match:
        model = logged_models.logged_model_get(project=ctx.project, model_id=match["model"])
        if model.experiment.iid != int(match["exp"]):
            raise NotFoundError(f"Logged model with ID '{match['model']}' not found.")
        return model.package, _artifact_rel_path(match["rest"])
    match = _TRACE_PATH.match(path)
    if match:
        trace = trace_get_in_experiment(
            project=ctx.project, experiment_iid=int(match["exp"]), trace_id=match["trace"]
        )
        return trace.package, _artifact_rel_path(match["rest"])
    if create:
        raise InvalidValueError(f"Artifact path {path!r} is not inside a run, a logged model or a trace")
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
    if path.startswith("/"):
        raise MlflowError("Invalid path")  # the reference refuses an absolute path; '.' and '..' see _locate
    package, rel = _locate(ctx, path)
    files = []
    for entry in selectors.package_directory_list(package=package, prefix=rel):
        item = {"path": entry.name, "is_dir": entry.is_dir}
        # The reference omits file_size for folders, and (proto3 default) for empty files.
        if not entry.is_dir and entry.size:
            item["file_size"] = str(entry.size)
        files.append(item)
    return {"files": files} if files else {}


_RUN_ID_MISSING = (
    "Missing value for required parameter 'run_id'. "
    "See the API docs for more information about request parameters."
)


@mlflow_endpoint(("GET",))
def run_artifact_list(request: HttpRequest, ctx: ApiContext, data: dict):
    """`artifacts/list` (the R client's and plain REST users' listing): the run's `root_uri` and the children of
    `path`, each named as the reference names them, `posixpath.join(<path as sent>, <name>)`; never paged."""
    run_id = data.get("run_id") or data.get("run_uuid")
    path = data.get("path") or ""
    if not run_id or not isinstance(run_id, str):
        raise MlflowError(_RUN_ID_MISSING)
    if not isinstance(path, str) or path.startswith("/"):
        raise MlflowError("Invalid path")
    try:
        rel = _artifact_rel_path(path)
    except InvalidValueError:
        rel = None  # a path no artifact can have (backslash, control character): the reference lists nothing
    candidate = candidate_get_for_project(project=ctx.project, eid_hex=run_id)
    response: dict = {"root_uri": candidate.artifact_uri}
    package = selectors.package_for_candidate(candidate=candidate) if rel is not None else None
    files = []
    for entry in selectors.package_directory_list(package=package, prefix=rel or ""):
        item = {"path": posixpath.join(path, entry.name) if path else entry.name, "is_dir": entry.is_dir}
        if not entry.is_dir and entry.size:  # proto3 leaves a 0 size out
            item["file_size"] = entry.size
        files.append(item)
    if files:
        response["files"] = files
    return response


@mlflow_endpoint(("GET",))
def server_info(request: HttpRequest, ctx: ApiContext, data: dict):
    # Proxied multipart uploads (mlflow_api/multipart.py) work on S3 storage only; downloads are never presigned:
    # the client GETs whole files through us.
    return {
        "store_type": "SqlStore",
        "workspaces_enabled": False,
        "multipart_uploads_enabled": multipart_supported(),
        "multipart_downloads_enabled": False,
    }


urlpatterns = [
    re_path(r"^api/2\.0/mlflow-artifacts/artifacts/?$", artifact_list),
    re_path(r"^api/2\.0/mlflow-artifacts/artifacts/(?P<artifact_path>.+)$", artifact),
    re_path(r"^api/[23]\.0/mlflow/server-info/?$", server_info),
    re_path(r"^api/2\.0/mlflow/artifacts/list/?$", run_artifact_list),
]
