"""Requests refused before (or outside) any view, answered in the shape of the surface they were aimed at:
MLflow's error JSON on the MLflow API, GitLab's `{"message": "400 Bad request - …"}` on the packages API, the
styled 400 page everywhere else.

`handler400` receives Django's own refusals (a body over ASSAY_MAX_REQUEST_BODY, too many fields) and
the middlewares' below. A URL over ASSAY_MAX_URL_LENGTH is refused here rather than by gunicorn (whose
request-line limit cannot exceed 8190 bytes and answers HTML, so gunicorn.conf.py turns it off): mlflow server
answers a 9 KB GET, and the UI's bulk metric-history GETs run long. NUL is refused for the whole site at the door because PostgreSQL cannot store or
even compare it: a `%00` in a page's `?filter=` or in a package file path was a 500.
"""

import re

from django.core.exceptions import BadRequest, RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mlflow_api.errors import error_response
from packages_registry.api import bad_request_response

_MLFLOW_API = re.compile(r"^/api/v4/projects/.+?/ml/mlflow/")
_PACKAGES_API = re.compile(r"^/api/v4/projects/.+?/packages(?:/|$)")


def _message(exception) -> str:
    if isinstance(exception, RequestDataTooBig):
        from django.conf import settings

        return (
            f"The request body is too large: at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes are accepted "
            "(ASSAY_MAX_REQUEST_BODY)."
        )
    if isinstance(exception, BadRequest) and str(exception):
        return str(exception)
    return "The request could not be understood."  # other SuspiciousOperations: say nothing more


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    """handler400: the refusal in the shape of the API (or page) the request was aimed at."""
    message = _message(exception)
    if _MLFLOW_API.match(request.path):
        return error_response("INVALID_PARAMETER_VALUE", message, status=400)
    if _PACKAGES_API.match(request.path):
        return bad_request_response(message)
    return render(request, "400.html", {"message": message}, status=400)


class NulRefusalMiddleware:
    """Refuse a NUL byte in the path or the query string (a plain substring test, before any view runs)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            raise BadRequest("Strings must not contain NUL bytes (%00).")
        return self.get_response(request)


class UrlLengthMiddleware:
    """Refuse a URL (path and query string) over settings.MAX_URL_LENGTH bytes, in the shape of its surface."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings

        length = len(request.META.get("PATH_INFO", "")) + len(request.META.get("QUERY_STRING", ""))
        if length > settings.MAX_URL_LENGTH:
            raise BadRequest(
                f"The request URL is too long: at most {settings.MAX_URL_LENGTH} bytes are accepted "
                "(ASSAY_MAX_URL_LENGTH)."
            )
        return self.get_response(request)
