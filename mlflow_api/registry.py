"""MLflow model-registry endpoints: registered-models/* and model-versions/*.

Wire rules kept from the reference server: versions are integer strings; a missing alias is
INVALID_PARAMETER_VALUE; a duplicate name RESOURCE_ALREADY_EXISTS; deleting a model removes its versions;
`models:/m-<id>` sources need `model_id`. Beyond GitLab, `source`/`run_id`/`model_id` are honoured: the version
records the run that produced it and references its files (see model_registry.locations).
"""

from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt

from model_registry import selectors, services
from model_registry.locations import version_source_resolve
from model_registry.models import Model, ModelVersion
from projects.auth import ApiContext

from .base import mlflow_endpoint
from .errors import MlflowError
from .page_tokens import page_token_decode, page_token_encode
from .search_grammar import MODEL_VERSIONS, REGISTERED_MODELS, Grammar, filter_parse, order_parse
from .serializers import field_int, field_str_list, wrong_type

# --------------------------------------------------------------------------- wire shapes


def _ms(dt) -> int:
    return int(dt.timestamp() * 1000)


def _tags(rows) -> list[dict]:
    return [{"key": t.name, "value": t.value} for t in rows]


def version_json(version: ModelVersion, model: Model | None = None) -> dict:
    model = model or version.model
    data = {
        "name": model.name,
        "version": str(version.version),
        "creation_timestamp": _ms(version.created_at),
        "last_updated_timestamp": _ms(version.updated_at),
        "current_stage": version.stage,
        "description": version.description,
        "source": version.source,
        "run_id": version.candidate_eid_hex,
        "status": version.status,
        "tags": _tags(version.metadata.all()),
        "aliases": sorted(a.name for a in version.aliases.all()),
    }
    if version.run_link:
        data["run_link"] = version.run_link
    if version.logged_model_id:
        data["model_id"] = version.logged_model_id
    return data


def model_json(model: Model, *, with_versions: bool = True) -> dict:
    data = {
        "name": model.name,
        "creation_timestamp": _ms(model.created_at),
        "last_updated_timestamp": _ms(model.updated_at),
        "description": model.description,
        "tags": _tags(model.metadata.all()),
        "aliases": [{"alias": a.name, "version": str(a.version.version)} for a in model.aliases.all()],
    }
    if with_versions:
        data["latest_versions"] = [version_json(v, model) for v in selectors.latest_versions(model)]
    return data


# --------------------------------------------------------------------------- request helpers


def _required(data: dict, key: str) -> str:
    value = data.get(key)
    if key == "version" and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value in (None, ""):
        raise MlflowError(f"Missing value for required parameter '{key}'.")
    if not isinstance(value, str):
        raise wrong_type(key, value)
    return value


def _optional(data: dict, key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise wrong_type(key, value)
    return value


def _tag_list(data: dict) -> dict[str, str]:
    raw = data.get("tags") or []
    if not isinstance(raw, list) or not all(
        isinstance(t, dict) and isinstance(t.get("key"), str) and t["key"] for t in raw
    ):
        raise MlflowError("Invalid value for parameter 'tags': expected a list of {key, value}.")
    return {t["key"]: str(t.get("value") or "") for t in raw}


def _model(ctx: ApiContext, data: dict, key: str = "name") -> Model:
    return selectors.model_get_for_project(project=ctx.project, name=_required(data, key))


def _version(ctx: ApiContext, data: dict) -> ModelVersion:
    model = _model(ctx, data)
    return selectors.model_version_get(model=model, version=_required(data, "version"))


def _full_model(model: Model) -> dict:
    return {"registered_model": model_json(selectors.model_with_details(model=model))}


def _full_version(version: ModelVersion) -> dict:
    version = (
        ModelVersion.objects.prefetch_related("metadata", "aliases")
        .select_related("model")
        .get(pk=version.pk)
    )
    return {"model_version": version_json(version)}


# --------------------------------------------------------------------------- registered models


@mlflow_endpoint(("POST",), write=True)
def registered_model_create(request, ctx, data):
    model = services.model_create(
        project=ctx.project,
        name=_required(data, "name"),
        description=_optional(data, "description") or "",
        tags=_tag_list(data),
        user=ctx.user,
    )
    return _full_model(model)


@mlflow_endpoint(("GET",))
def registered_model_get(request, ctx, data):
    return _full_model(_model(ctx, data))


@mlflow_endpoint(("POST",), write=True)
def registered_model_rename(request, ctx, data):
    model = services.model_rename(model=_model(ctx, data), new_name=_required(data, "new_name"))
    return _full_model(model)


@mlflow_endpoint(("PATCH",), write=True)
def registered_model_update(request, ctx, data):
    model = services.model_update(model=_model(ctx, data), description=_optional(data, "description"))
    return _full_model(model)


@mlflow_endpoint(("DELETE",), write=True)
def registered_model_delete(request, ctx, data):
    services.model_delete(model=_model(ctx, data))
    return {}


def _max_results(value, *, default: int, maximum: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise MlflowError(f"Invalid value for max_results: {value!r}") from exc
    if number <= 0 or number > maximum:
        raise MlflowError(f"Invalid value for max_results. It must be between 1 and {maximum}, got {number}")
    return number


def _search_page(ctx, data, *, search, grammar: Grammar, default: int, maximum: int):
    """One page of a registry search with MLflow's max_results / page_token: (rows, next token or None)."""
    field_str_list(data, "order_by")  # the parsers expect strings: anything else is refused here
    field_int(data, "max_results")  # int64 (not NaN, Infinity or 1e400)
    limit = _max_results(data.get("max_results"), default=default, maximum=maximum)
    offset = page_token_decode(_optional(data, "page_token")).offset
    rows, next_page = search(
        project=ctx.project,
        comparisons=filter_parse(_optional(data, "filter") or "", grammar),
        order=order_parse(data.get("order_by"), grammar),
        offset=offset,
        limit=limit,
    )
    return rows, (page_token_encode(next_page) if next_page else None)


@mlflow_endpoint(("GET", "POST"))
def registered_model_search(request, ctx, data):
    models, token = _search_page(
        ctx,
        data,
        search=selectors.model_search,
        grammar=REGISTERED_MODELS,
        default=100,
        maximum=1000,
    )
    result = {"registered_models": [model_json(m) for m in models]}
    if token:
        result["next_page_token"] = token
    return result


@mlflow_endpoint(("GET", "POST"))
def registered_model_latest_versions(request, ctx, data):
    stages = data.get("stages") or []
    stages = [stages] if isinstance(stages, str) else stages
    model = selectors.model_with_details(model=_model(ctx, data))
    return {"model_versions": [version_json(v, model) for v in selectors.latest_versions(model, stages)]}


@mlflow_endpoint(("POST",), write=True)
def registered_model_tag_set(request, ctx, data):
    value = data.get("value")
    services.model_tag_set(model=_model(ctx, data), key=_required(data, "key"), value=str(value or ""))
    return {}


@mlflow_endpoint(("DELETE",), write=True)
def registered_model_tag_delete(request, ctx, data):
    services.model_tag_delete(model=_model(ctx, data), key=_required(data, "key"))
    return {}


@mlflow_endpoint(("POST",), write=True)
def _alias_set(request, ctx, data):
    model = _model(ctx, data)
    version = selectors.model_version_get(model=model, version=_required(data, "version"))
    services.model_alias_set(model=model, alias=_required(data, "alias"), version=version)
    return {}


@mlflow_endpoint(("DELETE",), write=True)
def _alias_delete(request, ctx, data):
    services.model_alias_delete(model=_model(ctx, data), alias=_required(data, "alias"))
    return {}


@mlflow_endpoint(("GET",))
def _alias_get(request, ctx, data):
    model = _model(ctx, data)
    return _full_version(selectors.model_version_get_by_alias(model=model, alias=_required(data, "alias")))


@csrf_exempt
def registered_model_alias(request, project_ref):
    """One URL, three verbs (MLflow's proto): POST sets, DELETE deletes, GET reads."""
    view = {"POST": _alias_set, "DELETE": _alias_delete}.get(request.method, _alias_get)
    return view(request, project_ref)


# --------------------------------------------------------------------------- model versions


@mlflow_endpoint(("POST",), write=True)
def model_version_create(request, ctx, data):
    model = _model(ctx, data)
    source = _required(data, "source")
    run_id = _optional(data, "run_id") or ""
    source, location, run_id = version_source_resolve(
        project=ctx.project, source=source, run_hex=run_id, model_id=_optional(data, "model_id") or ""
    )
    version = services.model_version_create(
        model=model,
        location=location,
        candidate_eid_hex=run_id,
        source=source,
        description=_optional(data, "description") or "",
        tags=_tag_list(data),
        run_link=_optional(data, "run_link") or "",
        user=ctx.user,
    )
    return _full_version(version)


@mlflow_endpoint(("GET",))
def model_version_get(request, ctx, data):
    return _full_version(_version(ctx, data))


@mlflow_endpoint(("PATCH",), write=True)
def model_version_update(request, ctx, data):
    version = services.model_version_update(
        version=_version(ctx, data), description=_optional(data, "description")
    )
    return _full_version(version)


@mlflow_endpoint(("DELETE",), write=True)
def model_version_delete(request, ctx, data):
    services.model_version_delete(version=_version(ctx, data))
    return {}


@mlflow_endpoint(("GET", "POST"))
def model_version_search(request, ctx, data):
    versions, token = _search_page(
        ctx,
        data,
        search=selectors.model_version_search,
        grammar=MODEL_VERSIONS,
        default=10_000,
        maximum=200_000,
    )
    result = {"model_versions": [version_json(v) for v in versions]}
    if token:
        result["next_page_token"] = token
    return result


@mlflow_endpoint(("GET",))
def model_version_download_uri(request, ctx, data):
    version = _version(ctx, data)
    return {"artifact_uri": version.storage_location or version.source}


@mlflow_endpoint(("POST",), write=True)
def model_version_stage(request, ctx, data):
    archive = data.get("archive_existing_versions")
    if isinstance(archive, str):
        archive = archive.lower() == "true"
    version = services.model_version_stage_set(
        version=_version(ctx, data), stage=_required(data, "stage"), archive_existing=bool(archive)
    )
    return _full_version(version)


@mlflow_endpoint(("POST",), write=True)
def model_version_tag_set(request, ctx, data):
    value = data.get("value")
    services.model_version_tag_set(
        version=_version(ctx, data), key=_required(data, "key"), value=str(value or "")
    )
    return {}


@mlflow_endpoint(("DELETE",), write=True)
def model_version_tag_delete(request, ctx, data):
    services.model_version_tag_delete(version=_version(ctx, data), key=_required(data, "key"))
    return {}


_P = r"^api/2\.0/(?:preview/)?mlflow/"

urlpatterns = [
    re_path(_P + r"registered-models/create/?$", registered_model_create),
    re_path(_P + r"registered-models/get/?$", registered_model_get),
    re_path(_P + r"registered-models/rename/?$", registered_model_rename),
    re_path(_P + r"registered-models/update/?$", registered_model_update),
    re_path(_P + r"registered-models/delete/?$", registered_model_delete),
    re_path(_P + r"registered-models/(?:search|list)/?$", registered_model_search),
    re_path(_P + r"registered-models/get-latest-versions/?$", registered_model_latest_versions),
    re_path(_P + r"registered-models/set-tag/?$", registered_model_tag_set),
    re_path(_P + r"registered-models/delete-tag/?$", registered_model_tag_delete),
    re_path(_P + r"registered-models/alias/?$", registered_model_alias),
    re_path(_P + r"model-versions/create/?$", model_version_create),
    re_path(_P + r"model-versions/get/?$", model_version_get),
    re_path(_P + r"model-versions/update/?$", model_version_update),
    re_path(_P + r"model-versions/delete/?$", model_version_delete),
    re_path(_P + r"model-versions/search/?$", model_version_search),
    re_path(_P + r"model-versions/get-download-uri/?$", model_version_download_uri),
    re_path(_P + r"model-versions/transition-stage/?$", model_version_stage),
    re_path(_P + r"model-versions/set-tag/?$", model_version_tag_set),
    re_path(_P + r"model-versions/delete-tag/?$", model_version_tag_delete),
]
