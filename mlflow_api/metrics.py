"""MLflow metrics endpoints: GetMetricHistory (paged with max_results + page_token)."""

import json

from django.db import connection
from django.http import HttpResponse
from django.urls import path

from candidates import search, selectors

from .base import mlflow_endpoint
from .serializers import field_int, field_str, metric_history_json, run_id_from


@mlflow_endpoint(("GET",))
def metric_history(request, ctx, data):
    candidate = selectors.candidate_get_for_project(project=ctx.project, run_id=run_id_from(data))
    key = field_str(data, "metric_key", required=True)
    max_results = field_int(data, "max_results")
    if max_results is not None:
        max_results = search.max_results_check(max_results, threshold=10**9)
    offset = search.page_token_decode(field_str(data, "page_token"))
    if connection.vendor == "postgresql":
        # PostgreSQL builds the page's JSON (the client asks 25,000 points at a time).
        items, next_offset = selectors.candidate_metric_history_json_items(
            candidate=candidate, name=key, max_results=max_results, offset=offset
        )
        body = '{"metrics":[' + items + "]"
        if next_offset is not None:
            body += ',"next_page_token":' + json.dumps(search.page_token_encode(next_offset))
        return HttpResponse(body + "}", content_type="application/json")
    rows, next_offset = selectors.candidate_metric_history(
        candidate=candidate,
        name=key,
        max_results=max_results,
        offset=offset,
    )
    token = search.page_token_encode(next_offset) if next_offset is not None else None
    return HttpResponse(metric_history_json(key, rows, token), content_type="application/json")


urlpatterns = [
    path("api/2.0/mlflow/metrics/get-history", metric_history),
]
