"""MLflow's proxied multipart upload (`MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD=true`): `mlflow-artifacts/mpu/create`,
`complete` and `abort`, plus the part URLs Assay hands out.

The client creates an upload (token, developer role), then PUTs each part, *without* its token, to the `url` of
each credential and keeps the response's `ETag`, then completes (or aborts) with its token. On S3 storage the
credential URLs are Assay's own (`mpu/part/<artifact path>?upload_id=&part_number=&expires=&signature=`, an HMAC
of the project, path, upload id, part number and expiry under the secret key), so clients never need to reach S3;
each part is streamed on to S3's UploadPart. On local disk create/complete/abort answer MLflow's own 501
NOT_IMPLEMENTED message, the one the 3.x client recognises to fall back to a single PUT.
"""

import posixpath
import time
from urllib.parse import quote, urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import get_script_prefix, re_path
from django.utils.crypto import constant_time_compare, salted_hmac
from django.views.decorators.csrf import csrf_exempt

from packages_registry import multipart

from .artifacts import _locate
from .base import mlflow_endpoint
from .errors import MlflowError, error_response, response_for_exception

UNSUPPORTED = "Multipart upload is not supported for the current artifact repository"  # MLflow's exact text
_SALT = "assay.mlflow_api.multipart-part"


def _unsupported() -> HttpResponse:
    return error_response("NOT_IMPLEMENTED", UNSUPPORTED, status=501)


def _required_string(data: dict, name: str) -> str:
    value = data.get(name)
    if value is None or value == "":
        raise MlflowError(
            f"Missing value for required parameter '{name}'. "
            "See the API docs for more information about request parameters."
        )
    if not isinstance(value, str):
        raise MlflowError(f"Invalid value {value!r} for parameter '{name}' supplied: it must be a string.")
    return value


def _file_path(artifact_path: str, data: dict) -> str:
    """The artifact path of the file: the URL's folder and the base name of the client's local file, as MLflow's
    S3 repository names the object."""
    name = posixpath.basename(_required_string(data, "path"))
    if not name or name in (".", ".."):
        raise MlflowError("Invalid path")
    return f"{artifact_path.rstrip('/')}/{name}"


def _num_parts(value) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise MlflowError(f"Invalid value {value!r} for parameter 'num_parts' supplied.")
    try:
        return int(value)
    except ValueError as exc:
        raise MlflowError(f"Invalid value {value!r} for parameter 'num_parts' supplied.") from exc


def _signature(project_ref: str, path: str, upload_id: str, part_number: int, expires: int) -> str:
    message = "\n".join((project_ref, path, upload_id, str(part_number), str(expires)))
    return salted_hmac(_SALT, message, algorithm="sha256").hexdigest()


def _part_url(
    request: HttpRequest, project_pk: int, path: str, upload_id: str, part: int, expires: int
) -> str:
    """An absolute URL on the host the client reached us by, under the deployment's script prefix."""
    query = urlencode(
        {
            "upload_id": upload_id,
            "part_number": part,
            "expires": expires,
            "signature": _signature(str(project_pk), path, upload_id, part, expires),
        }
    )
    where = (
        f"{get_script_prefix()}api/v4/projects/{project_pk}/ml/mlflow/api/2.0/mlflow-artifacts/mpu/part/"
        f"{quote(path, safe='/')}?{query}"
    )
    return request.build_absolute_uri(where)


@mlflow_endpoint(("POST",), write=True)
def multipart_create(request: HttpRequest, ctx, data: dict, artifact_path: str):
    path = _file_path(artifact_path, data)
    num_parts = _num_parts(data.get("num_parts"))
    if not multipart.multipart_supported():
        return _unsupported()
    package, rel = _locate(ctx, path, create=True)
    upload = multipart.multipart_upload_create(package=package, path=rel, num_parts=num_parts)
    expires = int(time.time()) + settings.ASSAY_MULTIPART_URL_TTL
    path = path.strip("/")
    credentials = [
        {"url": _part_url(request, ctx.project.pk, path, upload.handle, n, expires), "part_number": n}
        for n in range(1, num_parts + 1)
    ]
    return {"upload_id": upload.handle, **({"credentials": credentials} if credentials else {})}


def _upload_for(ctx, artifact_path: str, data: dict):
    path = _file_path(artifact_path, data)
    upload_id = data.get("upload_id")
    if not isinstance(upload_id, str):
        raise MlflowError("Invalid value for parameter 'upload_id' supplied: it must be a string.")
    package, rel = _locate(ctx, path)
    if package is None:
        raise multipart.MultipartUploadNotFoundError(
            "Multipart upload not found: unknown, expired or not for this file"
        )
    upload = multipart.multipart_upload_get(project_id=ctx.project.pk, handle=upload_id, path=rel)
    return upload, package, rel


def _parts(value) -> list[tuple[int, str]]:
    if not isinstance(value, list):
        raise MlflowError("Invalid value for parameter 'parts' supplied: it must be a list.")
    parts = []
    for part in value:
        number = part.get("part_number") if isinstance(part, dict) else None
        etag = part.get("etag") if isinstance(part, dict) else None
        if isinstance(number, bool) or not isinstance(number, int) or not isinstance(etag, str) or not etag:
            raise MlflowError("Each of 'parts' needs an integer part_number and a string etag.")
        parts.append((number, etag))
    return parts


@mlflow_endpoint(("POST",), write=True)
def multipart_complete(request: HttpRequest, ctx, data: dict, artifact_path: str):
    _file_path(artifact_path, data)
    if "parts" not in data:
        raise MlflowError(
            "Missing value for required parameter 'parts'. "
            "See the API docs for more information about request parameters."
        )
    parts = _parts(data["parts"])
    if not multipart.multipart_supported():
        return _unsupported()
    upload, package, rel = _upload_for(ctx, artifact_path, data)
    multipart.multipart_upload_complete(upload=upload, package=package, path=rel, parts=parts)
    return {}


@mlflow_endpoint(("POST",), write=True)
def multipart_abort(request: HttpRequest, ctx, data: dict, artifact_path: str):
    _file_path(artifact_path, data)
    if not multipart.multipart_supported():
        return _unsupported()
    upload, _package, _rel = _upload_for(ctx, artifact_path, data)
    multipart.multipart_upload_abort(upload=upload)
    return {}


def _number(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 18  # "²".isdigit() too, but int() refuses it


def _part_upload(request: HttpRequest, project_ref: str, artifact_path: str) -> HttpResponse:
    query = request.GET
    upload_id, signature = query.get("upload_id", ""), query.get("signature", "")
    part, expires = query.get("part_number", ""), query.get("expires", "")
    if not (upload_id and signature and _number(part) and _number(expires)):
        return error_response(
            "PERMISSION_DENIED", "This part URL is not signed: use the URL mpu/create gave", 403
        )
    expected = _signature(project_ref, artifact_path.strip("/"), upload_id, int(part), int(expires))
    if not constant_time_compare(signature, expected):
        return error_response("PERMISSION_DENIED", "The signature of this part URL does not match", 403)
    if int(expires) < time.time():
        return error_response(
            "UNAUTHENTICATED", "This part URL has expired: start the multipart upload again", 401
        )
    upload = multipart.multipart_upload_get(project_id=int(project_ref), handle=upload_id)
    length = request.META.get("CONTENT_LENGTH")
    etag = multipart.multipart_upload_part(
        upload=upload,
        part_number=int(part),
        stream=request,
        content_length=int(length) if length and length.isdigit() else None,
    )
    response = HttpResponse(status=200)
    response["ETag"] = etag
    return response


@csrf_exempt
def multipart_part(request: HttpRequest, project_ref: str, artifact_path: str) -> HttpResponse:
    """PUT one part. No token: the signature is the credential, as an S3 presigned URL's is."""
    if request.method != "PUT":
        return error_response("ENDPOINT_NOT_FOUND", f"This endpoint does not accept {request.method}", 405)
    try:
        return _part_upload(request, project_ref, artifact_path)
    except Exception as exc:  # noqa: BLE001 - mapped or re-raised
        response = response_for_exception(exc)
        if response is None:
            raise
        return response


urlpatterns = [
    re_path(r"^api/2\.0/mlflow-artifacts/mpu/create/(?P<artifact_path>.+)$", multipart_create),
    re_path(r"^api/2\.0/mlflow-artifacts/mpu/complete/(?P<artifact_path>.+)$", multipart_complete),
    re_path(r"^api/2\.0/mlflow-artifacts/mpu/abort/(?P<artifact_path>.+)$", multipart_abort),
    re_path(r"^api/2\.0/mlflow-artifacts/mpu/part/(?P<artifact_path>.+)$", multipart_part),
]
