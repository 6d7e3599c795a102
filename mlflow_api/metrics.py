"""MLflow metrics endpoints: GetMetricHistory (paged with max_results + page_token)."""

import json

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path

from candidates import selectors
from candidates.metrics import selectors as metric_selectors
from projects.querying import NextPage

from .base import mlflow_endpoint
from .errors import MlflowError
from .page_tokens import page_token_decode, page_token_encode
from .serializers import (
    field_int,
    field_list,
    field_str,
    float_json,
    list_body,
    max_results_check,
    missing,
    run_id_from,
)
from .serializers_sql import metric_json_sql


def _history_stream(candidate, key: str):
    yield '{"metrics":['
    first = True
    chunks = metric_selectors.candidate_metric_history_text_stream(
        candidate=candidate, name=key, item_sql=metric_json_sql(), item_params=[json.dumps(key)]
    )
    for chunk in chunks:
        yield chunk if first else "," + chunk
        first = False
    yield "]}"


@mlflow_endpoint(("GET",))
def metric_history(request, ctx, data):
    candidate = selectors.candidate_get_for_project(project=ctx.project, eid_hex=run_id_from(data))
    key = field_str(data, "metric_key", required=True)
    max_results = field_int(data, "max_results")
    if max_results is not None:
        max_results = max_results_check(max_results, threshold=10**9)
    offset = page_token_decode(field_str(data, "page_token")).offset
    if max_results is None and not offset:
        # The whole history, however long: streamed from a server-side cursor in bounded chunks.
        return StreamingHttpResponse(_history_stream(candidate, key), content_type="application/json")
    # PostgreSQL builds the page's JSON (the client asks 25,000 points at a time).
    items, next_offset = metric_selectors.candidate_metric_history_text_items(
        candidate=candidate,
        name=key,
        item_sql=metric_json_sql(),
        item_params=[json.dumps(key)],
        max_results=max_results,
        offset=offset,
    )
    token = page_token_encode(NextPage(offset=next_offset)) if next_offset is not None else None
    return HttpResponse(list_body("metrics", items, token), content_type="application/json")


MAX_RUNS_GET_METRIC_HISTORY_BULK = 100
MAX_RESULTS_PER_RUN = 2500
# The reference appends this to the errors of its request-schema checks (not to those raised further in).
SCHEMA_HINT = " See the API docs for more information about request parameters."


@mlflow_endpoint(("GET",))
def metric_history_bulk_interval(request, ctx, data):
    """GetMetricHistoryBulkInterval (what MLflow's UI charts call): up to max_results points per run, sampled
    as MLflow's SQL store samples them, each with its run_id. Runs not in the project contribute nothing (as
    the reference answers for unknown runs)."""
    run_ids = field_list(data, "run_ids")
    if not run_ids:
        raise missing("run_ids")
    if len(run_ids) > MAX_RUNS_GET_METRIC_HISTORY_BULK:
        raise MlflowError(
            f"GetMetricHistoryBulkInterval request must specify at most {MAX_RUNS_GET_METRIC_HISTORY_BULK} "
            f"run_ids. Received {len(run_ids)} run_ids.{SCHEMA_HINT}"
        )
    key = field_str(data, "metric_key", required=True)
    start_step, end_step = field_int(data, "start_step"), field_int(data, "end_step")
    max_results = field_int(data, "max_results", default=MAX_RESULTS_PER_RUN)
    if not 1 <= max_results <= MAX_RESULTS_PER_RUN:
        raise MlflowError(f"max_results must be between 1 and {MAX_RESULTS_PER_RUN}.{SCHEMA_HINT}")
    if (start_step is None) != (end_step is None):
        raise MlflowError("If either start step or end step are specified, both must be specified.")
    if start_step is not None and start_step > end_step:
        raise MlflowError(
            "end_step must be greater than start_step. "
            f"Found start_step={start_step} and end_step={end_step}."
        )
    ids = selectors.candidate_ids_for_eid_hexes(project=ctx.project, eid_hexes=[str(r) for r in run_ids])
    sampled = metric_selectors.candidate_metric_history_sampled(
        candidate_ids=list(dict.fromkeys(ids.values())),
        name=key,
        max_results=max_results,
        start_step=start_step,
        end_step=end_step,
    )
    metrics = []
    for run_id in dict.fromkeys(str(r) for r in run_ids):
        if run_id not in ids:
            continue
        for value, timestamp, step in sampled[ids[run_id]]:
            metrics.append(
                {
                    "key": key,
                    "value": float_json(value),
                    "timestamp": timestamp,
                    "step": step,
                    "run_id": run_id,
                }
            )
    # proto3 JSON leaves an empty repeated field out: the reference answers {} when nothing matched.
    return {"metrics": metrics} if metrics else {}


urlpatterns = [
    path("api/2.0/mlflow/metrics/get-history", metric_history),
    path("api/2.0/mlflow/metrics/get-history-bulk-interval", metric_history_bulk_interval),
]
