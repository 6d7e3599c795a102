"""MLflow runs endpoints (service.proto: CreateRun … SearchRuns, LogInputs, LogModel)."""

import json

from django.http import HttpResponse
from django.urls import path

from candidates import search, selectors, services
from ci_integration.services import ci_link_candidate_on_commit
from experiments.selectors import experiment_get_for_project
from experiments.services import experiment_default_ensure
from packages_registry.logged_models import logged_model_inputs_log, logged_model_metrics_log
from packages_registry.selectors import logged_model_link_branches
from projects.errors import InvalidValueError

from .base import mlflow_endpoint
from .errors import MlflowError
from .page_tokens import page_token_decode, page_token_encode
from .search_grammar import RUNS, filter_parse, order_parse
from .serializers import (
    INT64_MAX,
    INT64_MIN,
    experiment_iids_from,
    field_float,
    field_int,
    field_list,
    field_str,
    field_view_type,
    invalid,
    key_values,
    list_body,
    max_results_check,
    missing,
    run_id_from,
    run_info_json,
    run_json,
)
from .serializers_sql import run_json_sql

BASE = "api/2.0/mlflow/runs/"
MAX_METRICS_PER_BATCH = 1000
MAX_PARAMS_TAGS_PER_BATCH = 100
MAX_ENTITIES_PER_BATCH = 1000
MAX_BATCH_REQUEST_BYTES = 1_000_000


def _candidate(ctx, data, *, with_data=False):
    return selectors.candidate_get_for_project(
        project=ctx.project, eid_hex=run_id_from(data), with_data=with_data, links=logged_model_link_branches
    )


def _run_body(candidate) -> dict:
    data = selectors.candidate_data(candidate_ids=[candidate.pk], links=logged_model_link_branches)
    return {"run": run_json(candidate, data[candidate.pk])}


_NUMBER = (int, float)


def _metric_fast(item: dict) -> tuple[str, float, int, int] | None:
    """The common well-formed shape (what the mlflow client sends: int64 fields as decimal strings) without
    the per-field checks; None sends the item through metric_parse's full validation and messages."""
    key, value, timestamp, step = (
        item.get("key"),
        item.get("value"),
        item.get("timestamp"),
        item.get("step", 0),
    )
    if type(key) is not str or not key or type(value) not in _NUMBER:
        return None
    if type(value) is int and abs(value) > 2**53:
        return None  # float() may overflow: field_float refuses it
    if type(timestamp) is str and len(timestamp) < 20 and timestamp.isascii() and timestamp.isdigit():
        timestamp = int(timestamp)
    elif type(timestamp) is not int or timestamp < 0:
        return None
    if type(step) is str and len(step) <= 20 and step.isascii() and step.lstrip("-").isdigit():
        step = int(step)
    elif type(step) is not int:
        return None
    if timestamp > INT64_MAX or not INT64_MIN <= step <= INT64_MAX:
        return None  # field_int refuses it with the reference's message
    return key, float(value), timestamp, step


def metric_parse(item: dict, path: str, *, timestamp_required: bool) -> tuple[str, float, int, int]:
    """One metric as `(name, value, timestamp, step)`, with the reference's checks and messages."""
    fast = _metric_fast(item)
    if fast is not None:
        return fast
    key = field_str(item, "key", nested=bool(path))  # log-batch items vs log-metric's own field
    if key is None:
        raise missing(f"{path}key" if path else "key")
    value = field_float(item, "value")
    if value is None:
        raise missing(f"{path}value")
    timestamp = field_int(item, "timestamp", required=timestamp_required, default=0)
    if timestamp < 0:
        raise invalid(
            f"{path}timestamp",
            timestamp,
            f"metric '{key}' (value={value}). Timestamp must be a nonnegative long",
        )
    return key, value, timestamp, field_int(item, "step", default=0)


@mlflow_endpoint(("POST",), write=True)
def run_create(request, ctx, data):
    experiment_id = field_str(data, "experiment_id") or "0"
    if experiment_id == "0":
        experiment_default_ensure(project=ctx.project)
    experiment = experiment_get_for_project(project=ctx.project, experiment_id=experiment_id)
    tags = key_values(data, "tags")
    candidate = services.candidate_create(
        experiment=experiment,
        user=ctx.user,
        user_name=field_str(data, "user_id", default="") or getattr(ctx.user, "username", ""),
        start_time=field_int(data, "start_time"),
        name=field_str(data, "run_name", default=""),
        metadata=tags,
    )
    # create_run carries the CI plugin's tags, so the CI link starts here too, not only on set_tag.
    ci_link_candidate_on_commit(candidate_id=candidate.pk, names=(k for k, _ in tags))
    return _run_body(candidate)


@mlflow_endpoint(("GET",))
def run_get(request, ctx, data):
    return {"run": run_json(_candidate(ctx, data, with_data=True))}


@mlflow_endpoint(("POST",), write=True)
def run_update(request, ctx, data):
    candidate = services.candidate_update(
        candidate=_candidate(ctx, data),
        status=field_str(data, "status"),
        end_time=field_int(data, "end_time"),
        name=field_str(data, "run_name"),
    )
    return {"run_info": run_info_json(candidate)}


@mlflow_endpoint(("POST",), write=True)
def run_delete(request, ctx, data):
    services.candidate_delete(candidate=_candidate(ctx, data))
    return {}


@mlflow_endpoint(("POST",), write=True)
def run_restore(request, ctx, data):
    services.candidate_restore(candidate=_candidate(ctx, data))
    return {}


# MLflow's MAX_DATASET_NAME_SIZE / MAX_DATASET_DIGEST_SIZE (the columns' sizes too).
_DATASET_LIMITS = (("dataset_name", 500), ("dataset_digest", 36))


def _model_metrics(items: list[dict], parsed: list[tuple[str, float, int, int]]) -> list[tuple]:
    """The points logged with a `model_id` (MLflow 3) as logged_model_metrics_log rows."""
    out = []
    for item, point in zip(items, parsed, strict=True):
        if not (isinstance(item.get("model_id"), str) and item["model_id"]):
            continue
        for name, limit in _DATASET_LIMITS:
            value = item.get(name)
            if value is not None and not isinstance(value, str):
                raise invalid(name, value, "Expected a string.")
            if value and len(value) > limit:
                raise MlflowError(f"'{name}' exceeds the maximum length of {limit} characters")
        out.append((item["model_id"], *point, item.get("dataset_name"), item.get("dataset_digest")))
    return out


def _log_for_run(ctx, data, *, metrics, params=(), tags=(), model_metrics=()) -> None:
    """Log to the run; the points logged with a model id (MLflow 3) are that logged model's metrics too."""
    candidate_id = services.candidate_log_batch_by_eid(
        project=ctx.project, eid_hex=run_id_from(data), metrics=metrics, params=params, tags=tags
    )
    if model_metrics:
        logged_model_metrics_log(project=ctx.project, candidate_id=candidate_id, metrics=model_metrics)
    if tags:
        ci_link_candidate_on_commit(candidate_id=candidate_id, names=(k for k, _ in tags))


@mlflow_endpoint(("POST",), write=True)
def run_log_metric(request, ctx, data):
    metric = metric_parse(data, "", timestamp_required=True)
    _log_for_run(ctx, data, metrics=[metric], model_metrics=_model_metrics([data], [metric]))
    return {}


@mlflow_endpoint(("POST",), write=True)
def run_log_parameter(request, ctx, data):
    key = field_str(data, "key", required=True)
    value = field_str(data, "value", default="")
    services.candidate_log_batch(candidate=_candidate(ctx, data), params=[(key, value)])
    return {}


@mlflow_endpoint(("POST",), write=True)
def run_set_tag(request, ctx, data):
    key = field_str(data, "key", required=True)
    value = field_str(data, "value", default="")
    candidate = _candidate(ctx, data)
    services.candidate_metadata_set(candidate=candidate, name=key, value=value)
    ci_link_candidate_on_commit(candidate_id=candidate.pk, names=[key])
    return {}


@mlflow_endpoint(("POST",), write=True)
def run_delete_tag(request, ctx, data):
    key = field_str(data, "key", required=True)
    services.candidate_metadata_delete(candidate=_candidate(ctx, data), name=key)
    return {}


@mlflow_endpoint(("POST",), write=True)
def run_log_batch(request, ctx, data):
    if len(request.body) > MAX_BATCH_REQUEST_BYTES:
        raise MlflowError(
            f"Batched logging API requests must be at most {MAX_BATCH_REQUEST_BYTES} bytes, got a request of "
            f"size {len(request.body)}."
        )
    raw_metrics = field_list(data, "metrics")
    params = key_values(data, "params")
    tags = key_values(data, "tags")
    for kind, limit, count in (
        ("metrics", MAX_METRICS_PER_BATCH, len(raw_metrics)),
        ("params", MAX_PARAMS_TAGS_PER_BATCH, len(params)),
        ("tags", MAX_PARAMS_TAGS_PER_BATCH, len(tags)),
        ("metrics, params, and tags", MAX_ENTITIES_PER_BATCH, len(raw_metrics) + len(params) + len(tags)),
    ):
        if count > limit:
            raise MlflowError(
                f"A batch logging request can contain at most {limit} {kind}. Got {count} {kind}. Please split "
                f"up {kind} across multiple requests and try again."
            )
    metrics = []
    for index, item in enumerate(raw_metrics):
        if not isinstance(item, dict):
            raise invalid(f"metrics[{index}]", item)
        metrics.append(metric_parse(item, f"metrics[{index}].", timestamp_required=False))
    model_metrics = _model_metrics(raw_metrics, metrics)
    _log_for_run(ctx, data, metrics=metrics, params=params, tags=tags, model_metrics=model_metrics)
    return {}


@mlflow_endpoint(("POST", "GET"))
def run_search(request, ctx, data):
    position = page_token_decode(field_str(data, "page_token"))
    ids, next_page = search.candidate_search_ids(
        project=ctx.project,
        experiment_iids=experiment_iids_from(data),
        comparisons=filter_parse(field_str(data, "filter", default=""), RUNS),
        order=order_parse(field_list(data, "order_by"), RUNS),
        lifecycles=field_view_type(data, "run_view_type"),
        limit=max_results_check(field_int(data, "max_results", default=1000)),
        offset=position.offset,
        after=position.after,
    )
    # The page's JSON is built by PostgreSQL in one query (a 1,000-run page without 10,000 Python dicts).
    items = selectors.candidate_json_items(candidate_ids=ids, item_sql=run_json_sql())
    token = page_token_encode(next_page) if next_page else None
    return HttpResponse(list_body("runs", items, token), content_type="application/json")


def _dataset_parse(item, index: int) -> dict:
    if not isinstance(item, dict) or not isinstance(item.get("dataset"), dict):
        raise invalid(f"datasets[{index}]", item)
    dataset = item["dataset"]
    out = {
        "name": field_str(dataset, "name", nested=True, required=True),
        "digest": field_str(dataset, "digest", nested=True, required=True),
        "source_type": field_str(dataset, "source_type", nested=True, default=""),
        "source": field_str(dataset, "source", nested=True, default=""),
        "schema": field_str(dataset, "schema", nested=True, default=""),
        "profile": field_str(dataset, "profile", nested=True, default=""),
        "tags": [{"key": k, "value": v} for k, v in key_values(item, "tags")],
    }
    for name, limit in (("name", 500), ("digest", 36), ("source", 65535), ("schema", 1048575)):
        if len(out[name]) > limit:
            raise InvalidValueError(f"Dataset {name} exceeds the maximum length of {limit}")
    return out


@mlflow_endpoint(("POST",), write=True)
def run_log_inputs(request, ctx, data):
    datasets = [_dataset_parse(item, i) for i, item in enumerate(field_list(data, "datasets"))]
    model_ids = []
    for index, item in enumerate(field_list(data, "models")):  # MLflow 3: [{"model_id": ...}]
        if not isinstance(item, dict):
            raise invalid(f"models[{index}]", item)
        model_id = field_str(item, "model_id", nested=True)
        if model_id:  # the reference accepts an entry without an id, and records nothing for it
            model_ids.append(model_id)
    candidate = _candidate(ctx, data)
    if datasets:
        services.candidate_inputs_log(candidate=candidate, datasets=datasets)
    if model_ids:
        logged_model_inputs_log(candidate=candidate, model_ids=model_ids)
    return {}


@mlflow_endpoint(("POST",), write=True)
def run_log_model(request, ctx, data):
    """Legacy LogModel: append the model's MLmodel dict to the candidate's log-model history tag."""
    candidate = _candidate(ctx, data)
    model_json = field_str(data, "model_json", required=True)
    try:
        model = json.loads(model_json)
    except ValueError as exc:
        raise invalid("model_json", model_json[:100], "Value must be a JSON object") from exc
    if not isinstance(model, dict):
        raise invalid("model_json", model_json[:100], "Value must be a JSON object")
    services.candidate_logged_model_append(candidate=candidate, model=model)
    return {}


urlpatterns = [
    path(BASE + "create", run_create),
    path(BASE + "get", run_get),
    path(BASE + "update", run_update),
    path(BASE + "delete", run_delete),
    path(BASE + "restore", run_restore),
    path(BASE + "log-metric", run_log_metric),
    path(BASE + "log-parameter", run_log_parameter),
    path(BASE + "set-tag", run_set_tag),
    path(BASE + "delete-tag", run_delete_tag),
    path(BASE + "log-batch", run_log_batch),
    path(BASE + "search", run_search),
    path(BASE + "log-inputs", run_log_inputs),
    path(BASE + "log-model", run_log_model),
]
