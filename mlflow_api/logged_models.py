"""MLflow 3 logged models (`/api/2.0/mlflow/logged-models*`) and `runs/outputs` (the 2.x `runs/log-model` is
in runs.py).

MLflow 3's `log_model` creates a logged model, links it to the run (`runs/outputs`), PUTs its files under
`<experiment>/models/<model id>/artifacts/` and finalizes it (PATCH, status READY). `load_model("runs:/<run>/m")`
finds it again through `logged-models/search` with `name = 'm'`.
"""

import uuid

from django.urls import re_path

from candidates.selectors import candidate_get_for_project
from experiments.selectors import experiment_get_for_project
from experiments.services import experiment_default_ensure
from packages_registry import logged_models as lm
from packages_registry.models import LoggedModel
from projects.auth import Forbidden
from projects.querying import OrderKey

from .base import mlflow_endpoint
from .errors import MlflowError
from .page_tokens import page_token_decode, page_token_encode
from .search_grammar import LOGGED_MODELS, filter_parse, order_key_parse
from .serializers import (
    experiment_iids_from,
    field_int,
    field_str,
    float_json,
    max_results_check,
)


def _ms(dt) -> int:
    return int(dt.timestamp() * 1000)


def logged_model_json(model: LoggedModel) -> dict:
    info = {
        "model_id": model.model_id,
        "experiment_id": str(model.experiment.iid),
        "name": model.name,
        "creation_timestamp_ms": _ms(model.created_at),
        "last_updated_timestamp_ms": _ms(model.updated_at),
        "artifact_uri": model.artifact_uri,
        "status": model.status,
        "tags": [{"key": t.key, "value": t.value} for t in model.tags.all()],
    }
    if model.model_type:
        info["model_type"] = model.model_type
    if model.source_candidate_id:
        info["source_run_id"] = model.source_candidate.eid_hex
    if model.status_message:
        info["status_message"] = model.status_message
    data = {"params": [{"key": p.key, "value": p.value} for p in model.params.all()]}
    metrics = [_metric_json(model, m) for m in model.metrics.all()]
    if metrics:  # proto3 JSON leaves an empty list out
        data["metrics"] = metrics
    return {"info": info, "data": data}


def _metric_json(model: LoggedModel, metric) -> dict:
    out = {"key": metric.key, "value": float_json(metric.value), "timestamp": metric.timestamp, "step": metric.step,
           "model_id": model.model_id, "run_id": metric.candidate.eid_hex}  # fmt: skip
    if metric.dataset_name:
        out["dataset_name"] = metric.dataset_name
    if metric.dataset_digest:
        out["dataset_digest"] = metric.dataset_digest
    return out


def _pairs(items, what: str) -> dict[str, str]:
    if items is None:
        return {}
    if not isinstance(items, list) or not all(
        isinstance(i, dict) and isinstance(i.get("key"), str) for i in items
    ):
        raise MlflowError(f"{what} must be a list of {{key, value}} objects")
    return {i["key"]: str(i.get("value", "")) for i in items}


def _experiment(ctx, experiment_id):
    text = str(experiment_id or "")
    if not (text.isascii() and text.isdigit() and len(text) <= 18):  # str.isdigit() also accepts '²'
        raise MlflowError(f"Invalid experiment_id: {experiment_id!r}")
    if str(experiment_id) == "0":
        # `log_model` outside a run and `initialize_logged_model()` use "0"; create Default as runs/create does.
        experiment_default_ensure(project=ctx.project)
    return experiment_get_for_project(project=ctx.project, experiment_id=experiment_id)


def _candidate(ctx, run_id):
    return candidate_get_for_project(project=ctx.project, eid_hex=str(run_id))


def _with_related(model: LoggedModel) -> LoggedModel:
    return lm.logged_model_with_details(model=model)


@mlflow_endpoint(("POST",), write=True)
def logged_model_create(request, ctx, data):
    experiment = _experiment(ctx, field_str(data, "experiment_id"))
    source_run_id = field_str(data, "source_run_id")
    source = _candidate(ctx, source_run_id) if source_run_id else None
    model = lm.logged_model_create(
        project=ctx.project,
        experiment=experiment,
        name=field_str(data, "name") or f"model-{uuid.uuid4().hex[:8]}",
        user=ctx.user,
        model_type=field_str(data, "model_type") or "",
        source_candidate=source,
        params=_pairs(data.get("params"), "params"),
        tags=_pairs(data.get("tags"), "tags"),
    )
    return {"model": logged_model_json(_with_related(model))}


@mlflow_endpoint(("GET", "PATCH", "DELETE"))
def logged_model_detail(request, ctx, data, model_id: str):
    if request.method != "GET" and not ctx.can_write:
        raise Forbidden("403 Forbidden: writing needs the developer role and the api scope")
    model = lm.logged_model_get(project=ctx.project, model_id=model_id)
    if request.method == "DELETE":
        lm.logged_model_delete(model=model)
        return {}
    if request.method == "PATCH":
        status = data.get("status")
        if isinstance(status, int):
            status = {
                1: "LOGGED_MODEL_PENDING",
                2: "LOGGED_MODEL_READY",
                3: "LOGGED_MODEL_UPLOAD_FAILED",
            }.get(status)
        lm.logged_model_finalize(model=model, status=status or "")
    return {"model": logged_model_json(_with_related(model))}


@mlflow_endpoint(("PATCH", "POST"), write=True)
def logged_model_tags(request, ctx, data, model_id: str):
    model = lm.logged_model_get(project=ctx.project, model_id=model_id)
    lm.logged_model_set_tags(model=model, tags=_pairs(data.get("tags"), "tags"))
    return {"model": logged_model_json(_with_related(model))}


@mlflow_endpoint(("DELETE",), write=True)
def logged_model_tag_delete(request, ctx, data, model_id: str, tag_key: str):
    model = lm.logged_model_get(project=ctx.project, model_id=model_id)
    lm.logged_model_delete_tag(model=model, key=tag_key)
    return {}


@mlflow_endpoint(("POST",), write=True)
def logged_model_params(request, ctx, data, model_id: str):
    model = lm.logged_model_get(project=ctx.project, model_id=model_id)
    lm.logged_model_log_params(model=model, params=_pairs(data.get("params"), "params"))
    return {}


def _datasets(items) -> list[tuple[str, str]]:
    """MLflow's `datasets` clause: `[{dataset_name, dataset_digest?}]` → [(name, digest or "")]."""
    if not items:
        return []
    if not isinstance(items, list) or not all(isinstance(d, dict) and d.get("dataset_name") for d in items):
        raise MlflowError("`dataset_name` in the `datasets` clause must be specified.")
    return [(field_str(d, "dataset_name"), field_str(d, "dataset_digest") or "") for d in items]


def _order(items) -> list[OrderKey]:
    """MLflow 3's order_by items `{field_name, ascending, dataset_name?, dataset_digest?}`."""
    order = []
    for item in items or []:
        if not isinstance(item, dict) or not isinstance(item.get("field_name"), str):
            raise MlflowError(f"Invalid order_by item for logged models: {item!r}")
        key = order_key_parse(item["field_name"], LOGGED_MODELS)
        dataset = None
        if key.kind == "metric" and (item.get("dataset_name") or item.get("dataset_digest")):
            dataset = (field_str(item, "dataset_name") or "", field_str(item, "dataset_digest") or "")
        order.append(OrderKey(key.kind, key.key, item.get("ascending", True) is not False, dataset))
    return order


@mlflow_endpoint(("POST", "GET"))
def logged_model_search(request, ctx, data):
    models, next_page = lm.logged_model_search(
        project=ctx.project,
        experiment_iids=experiment_iids_from(data),
        comparisons=filter_parse(field_str(data, "filter", default=""), LOGGED_MODELS),
        datasets=_datasets(data.get("datasets")),
        order=_order(data.get("order_by")),
        limit=max_results_check(field_int(data, "max_results", default=100), threshold=1000),
        offset=page_token_decode(field_str(data, "page_token")).offset,
    )
    response = {"models": [logged_model_json(m) for m in models]}
    if next_page:
        response["next_page_token"] = page_token_encode(next_page)
    return response


@mlflow_endpoint(("POST",), write=True)
def run_outputs(request, ctx, data):
    candidate = _candidate(ctx, field_str(data, "run_id", required=True))
    outputs = []
    for item in data.get("models") or []:
        if not isinstance(item, dict) or not isinstance(item.get("model_id"), str) or not item["model_id"]:
            raise MlflowError("models must be a list of {model_id, step}")
        outputs.append((item["model_id"], field_int(item, "step", default=0)))
    lm.logged_model_outputs_log(candidate=candidate, outputs=outputs)
    return {}


_ID = r"(?P<model_id>m-[0-9a-fA-F]{32}|[^/]+)"
urlpatterns = [
    re_path(r"^api/2\.0/mlflow/logged-models/search$", logged_model_search),
    re_path(r"^api/2\.0/mlflow/logged-models$", logged_model_create),
    re_path(rf"^api/2\.0/mlflow/logged-models/{_ID}/tags/(?P<tag_key>.+)$", logged_model_tag_delete),
    re_path(rf"^api/2\.0/mlflow/logged-models/{_ID}/tags$", logged_model_tags),
    re_path(rf"^api/2\.0/mlflow/logged-models/{_ID}/params$", logged_model_params),
    re_path(rf"^api/2\.0/mlflow/logged-models/{_ID}$", logged_model_detail),
    re_path(r"^api/2\.0/mlflow/runs/outputs$", run_outputs),
]
