"""Routes under /api/v4/projects/<project>/ml/mlflow/. Each protocol module owns its own urlpatterns."""

from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt

from . import artifacts, experiments, health, logged_models, metrics, multipart, registry, runs, traces
from .errors import error_response
from .tracking_root import tracking_root


@csrf_exempt
def endpoint_not_found(request, project_ref, rest=""):
    return error_response("ENDPOINT_NOT_FOUND", f"No MLflow endpoint at {request.method} {request.path}")


urlpatterns = [
    *experiments.urlpatterns,
    *runs.urlpatterns,
    *metrics.urlpatterns,
    *artifacts.urlpatterns,
    *multipart.urlpatterns,
    *logged_models.urlpatterns,
    *registry.urlpatterns,
    *health.urlpatterns,
    *traces.urlpatterns,
    re_path(r"^$", tracking_root),  # the links the client prints: <tracking URI>/#/experiments/...
    re_path(r"^(?P<rest>.*)$", endpoint_not_found),
]
