"""MLflow 3 logged models (`/api/2.0/mlflow/logged-models*`), `runs/outputs`, and the 2.x `runs/log-model`.

MLflow 3's `log_model` creates a logged model, links it to the run (`runs/outputs`), PUTs its files under
`<experiment>/models/<model id>/artifacts/` and finalizes it (PATCH, status READY). `load_model("runs:/<run>/m")`
finds it again through `logged-models/search` with `name = 'm'`.
"""

import base64
import json
import re
import uuid

from django.db.models import Exists, F, OuterRef, Prefetch, Q, Subquery
from django.urls import re_path

from candidates.models import Candidate, CandidateMetadata
from experiments.models import Experiment
from packages_registry import logged_models as lm
from packages_registry.models import LoggedModel, LoggedModelMetric

from .base import mlflow_endpoint
from .errors import MlflowError
from .serializers import float_json

# A model's metrics with their run (for run_id), in the order they were logged.
_METRICS = Prefetch("metrics", queryset=LoggedModelMetric.objects.select_related("candidate").order_by("id"))


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
        info["source_run_id"] = model.source_candidate.run_id
    if model.status_message:
        info["status_message"] = model.status_message
    data = {"params": [{"key": p.key, "value": p.value} for p in model.params.all()]}
    metrics = [_metric_json(model, m) for m in model.metrics.all()]
    if metrics:  # proto3 JSON leaves an empty list out
        data["metrics"] = metrics
    return {"info": info, "data": data}


def _metric_json(model: LoggedModel, metric) -> dict:
    out = {"key": metric.key, "value": float_json(metric.value), "timestamp": metric.timestamp, "step": metric.step,
           "model_id": model.model_id, "run_id": metric.candidate.run_id}  # fmt: skip
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


def _experiment(ctx, experiment_id) -> Experiment:
    if not str(experiment_id or "").isdigit():
        raise MlflowError(f"Invalid experiment_id: {experiment_id!r}")
    experiment = Experiment.objects.filter(project=ctx.project, iid=int(experiment_id)).first()
    if experiment is None:
        from projects.errors import NotFoundError

        raise NotFoundError(f"No Experiment with id={experiment_id} exists")
    return experiment


def _candidate(ctx, run_id) -> Candidate:
    from projects.errors import NotFoundError

    try:
        eid = uuid.UUID(str(run_id))
    except ValueError as exc:
        raise NotFoundError(f"Run with id={run_id} not found") from exc
    candidate = Candidate.objects.select_related("experiment").filter(project=ctx.project, eid=eid).first()
    if candidate is None:
        raise NotFoundError(f"Run with id={run_id} not found")
    return candidate


def _with_related(model: LoggedModel) -> LoggedModel:
    return (
        lm.logged_model_list(project=model.project)
        .prefetch_related("tags", "params", _METRICS)
        .get(pk=model.pk)
    )


@mlflow_endpoint(("POST",), write=True)
def logged_model_create(request, ctx, data):
    experiment = _experiment(ctx, data.get("experiment_id"))
    source = _candidate(ctx, data["source_run_id"]) if data.get("source_run_id") else None
    model = lm.logged_model_create(
        project=ctx.project,
        experiment=experiment,
        name=data.get("name") or f"model-{uuid.uuid4().hex[:8]}",
        user=ctx.user,
        model_type=data.get("model_type") or "",
        source_candidate=source,
        params=_pairs(data.get("params"), "params"),
        tags=_pairs(data.get("tags"), "tags"),
    )
    return {"model": logged_model_json(_with_related(model))}


@mlflow_endpoint(("GET", "PATCH", "DELETE"))
def logged_model_detail(request, ctx, data, model_id: str):
    if request.method != "GET" and not ctx.can_write:
        from projects.auth import Forbidden

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


# Search filter: `<field> <op> <value>` clauses joined by AND (MLflow's logged-model grammar).
_CLAUSE = re.compile(
    r"""\s*(?P<field>(?:tags|params|metrics|attributes|attribute)\.(?:`[^`]+`|"[^"]+"|[\w.\-]+)|[\w]+)\s*
    (?P<op>=|!=|<>|<=|>=|<|>|(?:NOT\s+)?I?LIKE)\s*
    (?P<value>'(?:[^']|'')*'|"[^"]*"|-?\d+(?:\.\d+)?)\s*""",
    re.IGNORECASE | re.VERBOSE,
)
_ATTRS = {
    "name": "name",
    "model_id": "eid",
    "model_type": "model_type",
    "status": "status",
    "source_run_id": "source_candidate__eid",
    "creation_timestamp": "created_at",
    "creation_time": "created_at",
    "last_updated_timestamp": "updated_at",
}
_ORDER = {
    "name": "name",
    "creation_timestamp": "created_at",
    "creation_time": "created_at",
    "last_updated_timestamp": "updated_at",
    "model_id": "eid",
}


def _like(value: str) -> str:
    """SQL LIKE pattern → anchored regex ('%' any run, '_' one character)."""
    return "^" + "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in value) + "$"


def _datasets_q(datasets) -> Q | None:
    """MLflow's `datasets` clause: metric points on any of these datasets (name, and digest when given)."""
    if not datasets:
        return None
    if not isinstance(datasets, list) or not all(
        isinstance(d, dict) and d.get("dataset_name") for d in datasets
    ):
        raise MlflowError("`dataset_name` in the `datasets` clause must be specified.")
    query = Q(pk__in=[])
    for dataset in datasets:
        one = Q(dataset_name=dataset["dataset_name"])
        if dataset.get("dataset_digest"):
            one &= Q(dataset_digest=dataset["dataset_digest"])
        query |= one
    return query


def _metric_condition(key: str, op: str, raw: str, datasets: Q | None) -> Q:
    """Models with any point of metric `key` that compares true (on the given datasets), as MLflow's store."""
    lookups = {"=": "exact", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
    try:
        number = float(raw.strip("'\""))
    except ValueError as exc:
        raise MlflowError(f"Invalid metric value in logged model search filter: {raw!r}") from exc
    points = LoggedModelMetric.objects.filter(logged_model=OuterRef("pk"), key=key)
    if datasets is not None:
        points = points.filter(datasets)
    if op in lookups:
        return Q(Exists(points.filter(**{f"value__{lookups[op]}": number})))
    if op in ("!=", "<>"):
        return Q(Exists(points.exclude(value=number)))
    raise MlflowError(f"Invalid comparator {op!r} for a metric in logged model search filter")


def _condition(field: str, op: str, raw: str, datasets: Q | None = None) -> Q:
    value: object = raw[1:-1].replace("''", "'") if raw[0] in "'\"" else raw
    op = re.sub(r"\s+", " ", op.upper())
    if field.lower().startswith("metrics."):
        return _metric_condition(field.split(".", 1)[1].strip('`"'), op, raw, datasets)
    if "." in field and field.split(".", 1)[0].lower() in ("tags", "params"):
        kind, key = field.split(".", 1)
        key = key.strip('`"')
        prefix = "tags" if kind.lower() == "tags" else "params"
        inner = _condition_on(f"{prefix}__value", op, value)
        return Q(**{f"{prefix}__key": key}) & inner
    name = field.split(".", 1)[1] if "." in field else field
    column = _ATTRS.get(name.lower())
    if column is None:
        raise MlflowError(f"Invalid attribute in logged model search filter: {field!r}")
    if column in ("eid", "source_candidate__eid"):
        try:
            value = uuid.UUID(str(value).removeprefix("m-"))
        except ValueError:
            return Q(pk__in=[])
    if column in ("created_at", "updated_at"):
        from datetime import UTC, datetime

        value = datetime.fromtimestamp(float(value) / 1000, tz=UTC)
    return _condition_on(column, op, value)


def _condition_on(column: str, op: str, value) -> Q:
    lookups = {"=": "exact", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
    if op in lookups:
        return Q(**{f"{column}__{lookups[op]}": value})
    if op in ("!=", "<>"):
        return ~Q(**{column: value})
    negate = op.startswith("NOT ")
    regex = "iregex" if "ILIKE" in op else "regex"
    condition = Q(**{f"{column}__{regex}": _like(str(value))})
    return ~condition if negate else condition


def parse_filter(text: str, datasets=None) -> Q:
    """The filter as one Q; `datasets` (MLflow's clause) narrows metric comparisons to those datasets, or alone
    keeps the models with any metric on them."""
    query = Q()
    on_datasets = _datasets_q(datasets)
    has_metric = False
    parts = re.split(r"\s+AND\s+", text.strip(), flags=re.IGNORECASE) if text and text.strip() else []
    for part in parts:
        match = _CLAUSE.fullmatch(part)
        if match is None:
            raise MlflowError(f"Invalid logged model search filter: {text!r}")
        has_metric |= match["field"].lower().startswith("metrics.")
        query &= _condition(match["field"], match["op"], match["value"], on_datasets)
    if on_datasets is not None and not has_metric:
        query &= Q(Exists(LoggedModelMetric.objects.filter(on_datasets, logged_model=OuterRef("pk"))))
    return query


def _latest_metric(key: str, item: dict) -> Subquery:
    points = LoggedModelMetric.objects.filter(logged_model=OuterRef("pk"), key=key)
    if item.get("dataset_name"):
        points = points.filter(dataset_name=item["dataset_name"])
    if item.get("dataset_digest"):
        points = points.filter(dataset_digest=item["dataset_digest"])
    return Subquery(points.order_by("-timestamp", "-step", "candidate__eid").values("value")[:1])


@mlflow_endpoint(("POST", "GET"))
def logged_model_search(request, ctx, data):
    experiment_ids = data.get("experiment_ids") or []
    if isinstance(experiment_ids, str):
        experiment_ids = [experiment_ids]
    if not all(str(e).isdigit() for e in experiment_ids):
        raise MlflowError("experiment_ids must be experiment ids")
    models = lm.logged_model_list(project=ctx.project).prefetch_related("tags", "params", _METRICS)
    if experiment_ids:
        models = models.filter(experiment__iid__in=[int(e) for e in experiment_ids])
    models = models.filter(parse_filter(data.get("filter") or "", data.get("datasets"))).distinct()
    order = []
    for index, item in enumerate(data.get("order_by") or []):
        field = (item.get("field_name") or "") if isinstance(item, dict) else ""
        ascending = item.get("ascending", True) if isinstance(item, dict) else True
        if field.startswith("metrics."):
            # As MLflow's store: each model's latest point of the metric (newest timestamp, then step), on the
            # given dataset when named; models without one come last.
            name = f"_metric{index}"
            models = models.annotate(**{name: _latest_metric(field.split(".", 1)[1], item)})
            order.append(F(name).asc(nulls_last=True) if ascending else F(name).desc(nulls_last=True))
            continue
        column = _ORDER.get(field.removeprefix("attributes."))
        if column is None:
            raise MlflowError(f"Invalid order_by field for logged models: {field!r}")
        order.append(F(column).asc() if ascending else F(column).desc())
    models = models.order_by(*order, "-created_at", "-pk")
    max_results = int(data.get("max_results") or 100)
    if not 1 <= max_results <= 1000:
        raise MlflowError("max_results must be between 1 and 1000")
    offset = 0
    if data.get("page_token"):
        try:
            offset = int(json.loads(base64.b64decode(data["page_token"]))["offset"])
        except (ValueError, KeyError, TypeError) as exc:
            raise MlflowError("Invalid page_token") from exc
    page = list(models[offset : offset + max_results + 1])
    response = {"models": [logged_model_json(m) for m in page[:max_results]]}
    if len(page) > max_results:
        token = {"offset": offset + max_results}
        response["next_page_token"] = base64.b64encode(json.dumps(token).encode()).decode()
    return response


@mlflow_endpoint(("POST",), write=True)
def run_outputs(request, ctx, data):
    candidate = _candidate(ctx, data.get("run_id"))
    outputs = []
    for item in data.get("models") or []:
        if not isinstance(item, dict) or not item.get("model_id"):
            raise MlflowError("models must be a list of {model_id, step}")
        outputs.append((item["model_id"], int(item.get("step") or 0)))
    lm.logged_model_outputs_log(candidate=candidate, outputs=outputs)
    return {}


@mlflow_endpoint(("POST",), write=True)
def run_log_model(request, ctx, data):
    """2.x clients record each logged model in the run's `mlflow.log-model.history` tag."""
    candidate = _candidate(ctx, data.get("run_id"))
    try:
        model = json.loads(data.get("model_json") or "")
    except ValueError as exc:
        raise MlflowError("model_json must be a JSON object") from exc
    key = "mlflow.log-model.history"
    tag = CandidateMetadata.objects.filter(candidate=candidate, name=key).first()
    history = json.loads(tag.value) if tag else []
    history.append(model)
    CandidateMetadata.objects.update_or_create(
        candidate=candidate, name=key, defaults={"value": json.dumps(history)}
    )
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
    re_path(r"^api/2\.0/mlflow/runs/log-model$", run_log_model),
]
