"""MLflow traces (`@mlflow.trace`, `mlflow.start_span`), stored as the reference `mlflow server` stores them for the
client's REST export path.

The 3.x client exports each finished trace with `POST api/3.0/mlflow/traces` (StartTraceV3: the trace's info),
then PUTs the spans as `traces.json` under the `mlflow.artifactLocation` tag of the answer,
`mlflow-artifacts:/<experiment>/traces/<trace id>/artifacts` (mlflow_api/artifacts.py routes it to the trace's
package). `mlflow.get_trace` reads the info back (`GET api/3.0/mlflow/traces/<id>`) and then that file; the
client asks `traces/get` or `traces/batchGet` only for traces whose spans a server keeps in its database (the
`mlflow.trace.spansLocation` tag), which Assay never sets. `/version` stays unanswered (mlflow_api/health.py), so
the client never switches to OTLP `POST /v1/traces`.

Also served: search (`traces/search`, SearchTracesV3), `traces/delete-traces`, and a trace's tags (`PATCH` /
`DELETE traces/<id>/tags`), each on the 2.0 and 3.0 prefixes as the reference registers them.
"""

from django.urls import re_path

from experiments.selectors import experiment_get_for_project
from experiments.services import experiment_default_ensure
from traces import selectors, services

from .base import mlflow_endpoint
from .errors import MlflowError
from .page_tokens import page_token_decode, page_token_encode
from .search_grammar import TRACES, filter_parse, order_parse
from .serializers import field_int, field_list, field_str, field_str_list, invalid, max_results_check
from .trace_serializers import trace_info_json, trace_info_parse

MAX_SEARCH_RESULTS = 500  # the reference's SearchTracesV3 handler refuses more


def _trace_response(trace) -> dict:
    return {"trace": {"trace_info": trace_info_json(trace)}}


@mlflow_endpoint(("POST",), write=True)
def trace_start(request, ctx, data: dict):
    info = trace_info_parse(data)
    # No experiment set: the client's "Default", created on first use as runs/create does.
    if info.experiment_id == "0":
        experiment_default_ensure(project=ctx.project)
    experiment = experiment_get_for_project(project=ctx.project, experiment_id=info.experiment_id)
    trace = services.trace_start(
        project=ctx.project,
        experiment=experiment,
        trace_id=info.trace_id,
        request_time=info.request_time,
        execution_duration=info.execution_duration,
        state=info.state,
        request_preview=info.request_preview,
        response_preview=info.response_preview,
        client_request_id=info.client_request_id,
        metadata=info.metadata,
        tags=info.tags,
    )
    return _trace_response(selectors.trace_get_for_project(project=ctx.project, trace_id=trace.trace_id))


@mlflow_endpoint(("GET",))
def trace_info(request, ctx, data: dict, trace_id: str):
    return _trace_response(selectors.trace_get_for_project(project=ctx.project, trace_id=trace_id))


def _experiment_ids(data: dict) -> list[int]:
    """SearchTracesV3's `locations`: MLflow experiments only (Unity Catalog locations are Databricks')."""
    locations = field_list(data, "locations")
    if not locations:
        raise MlflowError(
            "Missing value for required parameter 'locations'. See the API docs for more information about "
            "request parameters."
        )
    iids = []
    for index, location in enumerate(locations):
        experiment = location.get("mlflow_experiment") if isinstance(location, dict) else None
        value = experiment.get("experiment_id") if isinstance(experiment, dict) else None
        if not (isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18):
            raise MlflowError(f"Invalid value for parameter 'locations[{index}]': an MLflow experiment ID")
        iids.append(int(value))
    return iids


def _strings(data: dict, name: str) -> list[str]:
    """A repeated string field: a JSON list (the reference's `_assert_array`), not one string."""
    if data.get(name) is not None and not isinstance(data[name], list):
        raise invalid(name, data[name], "Expected a list of strings.")
    return field_str_list(data, name)


@mlflow_endpoint(("POST",))
def trace_search(request, ctx, data: dict):
    traces, next_page = selectors.trace_search(
        project=ctx.project,
        experiment_iids=_experiment_ids(data),
        comparisons=filter_parse(field_str(data, "filter", default=""), TRACES),
        order=order_parse(_strings(data, "order_by"), TRACES),
        limit=max_results_check(field_int(data, "max_results", default=100), threshold=MAX_SEARCH_RESULTS),
        offset=page_token_decode(field_str(data, "page_token")).offset,
    )
    response: dict = {}
    if traces:  # proto3 JSON: an empty list is left out
        response["traces"] = [trace_info_json(trace) for trace in traces]
    if next_page:
        response["next_page_token"] = page_token_encode(next_page)
    return response


@mlflow_endpoint(("POST",), write=True)
def traces_delete(request, ctx, data: dict):
    experiment = experiment_get_for_project(
        project=ctx.project, experiment_id=field_str(data, "experiment_id", required=True)
    )
    deleted = services.traces_delete(
        experiment=experiment,
        max_timestamp_millis=field_int(data, "max_timestamp_millis"),
        max_traces=field_int(data, "max_traces"),
        trace_ids=_strings(data, "request_ids"),
    )
    return {"traces_deleted": deleted}


@mlflow_endpoint(("PATCH", "DELETE"), write=True)
def trace_tag(request, ctx, data: dict, trace_id: str):
    trace = selectors.trace_get_for_project(project=ctx.project, trace_id=trace_id)
    key = field_str(data, "key", required=True)
    if request.method == "DELETE":
        services.trace_tag_delete(trace=trace, key=key)
    else:
        services.trace_tag_set(trace=trace, key=key, value=field_str(data, "value", default=""))
    return {}


_V = r"^api/[23]\.0/mlflow/traces"
urlpatterns = [
    re_path(rf"{_V}/?$", trace_start),
    re_path(rf"{_V}/search/?$", trace_search),
    re_path(rf"{_V}/delete-traces/?$", traces_delete),
    re_path(rf"{_V}/(?P<trace_id>[^/]+)/tags/?$", trace_tag),
    re_path(rf"{_V}/(?P<trace_id>[^/]+)/?$", trace_info),
]
