"""GitLab's health endpoints: `/-/liveness` (the process answers) and `/-/readiness` (its dependencies do).

Bodies follow GitLab's: `{"status": "ok"}`, and for readiness one list per check, e.g.
`{"status": "failed", "db_check": [{"status": "ok"}], "broker_check": [{"status": "failed", "message": "..."}]}`
with 503 when any check fails. Both are behind the monitoring allow-list (others get 404).
"""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .checks import readiness_checks
from .decorators import monitoring_endpoint


@require_GET
@never_cache
@monitoring_endpoint
def liveness(request):
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
@monitoring_endpoint
def readiness(request):
    results = readiness_checks()
    body: dict = {"status": "ok" if all(v is None for v in results.values()) else "failed"}
    for name, failure in results.items():
        body[name] = [{"status": "ok"} if failure is None else {"status": "failed", "message": failure}]
    return JsonResponse(body, status=200 if body["status"] == "ok" else 503)
