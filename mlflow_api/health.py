"""`<tracking URI>/health`: MLflow's servers answer `OK` (text/plain, 200) there, and probes and scripts expect it.

It answers before authentication and without a query, whatever the project: it says only that the server is up.
`/version` is left unanswered on purpose: the 3.x client probes it before exporting traces, and a version >= 3.4
would switch it to OTLP `POST /v1/traces`, which Assay does not serve; a 404 makes it skip span logging silently.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt

from .errors import error_response


@csrf_exempt
def health(request: HttpRequest, project_ref: str) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return error_response("ENDPOINT_NOT_FOUND", f"This endpoint does not accept {request.method}", 405)
    return HttpResponse("OK", content_type="text/plain; charset=utf-8")


urlpatterns = [re_path(r"^health/?$", health)]
