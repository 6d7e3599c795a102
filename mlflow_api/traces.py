"""MLflow traces (`@mlflow.trace`, `mlflow.start_span`): Assay stores none.

Creating a trace answers 501 NOT_IMPLEMENTED with a message that says so, on the 3.x path (`api/3.0/mlflow/traces`)
and the 2.x fallback alike: the client does not retry 501 (unlike 5xx/429, which it retries for up to
MLFLOW_ASYNC_TRACE_LOGGING_RETRY_TIMEOUT, 500 s), and an error other than ENDPOINT_NOT_FOUND on the 3.x path spares
its second request to the 2.x path. The traced function itself is unaffected; the client logs one warning per
trace it could not send (its own rule, whatever the server answers). Other trace endpoints stay ENDPOINT_NOT_FOUND.
"""

from django.http import HttpRequest
from django.urls import re_path

from .base import mlflow_endpoint
from .errors import error_response

NOT_STORED = "Assay does not store MLflow traces; the traced code ran, the trace was not saved"


@mlflow_endpoint(("POST",))
def trace_create(request: HttpRequest, ctx, data: dict):
    return error_response("NOT_IMPLEMENTED", NOT_STORED, status=501)


urlpatterns = [
    re_path(r"^api/[23]\.0/mlflow/traces/?$", trace_create),
]
