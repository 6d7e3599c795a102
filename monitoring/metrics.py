"""`/-/metrics`: Prometheus metrics, behind the same allow-list as the health endpoints (GitLab's rule).

What is exported is prometheus_client's default registry through django-prometheus's exporter: the process
(CPU seconds, resident memory, open file descriptors, start time), the Python runtime (GC, version) and, with
PROMETHEUS_MULTIPROC_DIR set, every gunicorn worker's metrics merged. django-prometheus's request middleware is
NOT installed: it measured +15 % per MLflow `runs/get` in process (best of 3 × 2,000 calls, on a loaded shared
machine), over the ~3 % we allow the hot API path. Its database metrics need its own database engine wrapper,
which the embedded engine and prepared statements (projects/db.py) do not go through, so they are left out too.
"""

from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_prometheus.exports import ExportToDjangoView

from .decorators import monitoring_endpoint


@require_GET
@never_cache
@monitoring_endpoint
def metrics(request):
    return ExportToDjangoView(request)
