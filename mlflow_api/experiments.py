"""MLflow experiments endpoints (service.proto: CreateExperiment … DeleteExperimentTag)."""

from django.urls import path

from experiments import selectors, services
from projects.errors import InvalidValueError

from .base import mlflow_endpoint
from .page_tokens import page_token_decode, page_token_encode
from .search_grammar import EXPERIMENTS, filter_parse, order_parse
from .serializers import (
    experiment_json,
    field_int,
    field_list,
    field_str,
    field_view_type,
    key_values,
    max_results_check,
)

BASE = "api/2.0/mlflow/experiments/"


def _experiment(ctx, data):
    experiment_id = field_str(data, "experiment_id", required=True)
    if experiment_id == "0":
        services.experiment_default_ensure(project=ctx.project)
    return selectors.experiment_get_for_project(project=ctx.project, experiment_id=experiment_id)


@mlflow_endpoint(("POST",), write=True)
def experiment_create(request, ctx, data):
    name = field_str(data, "name", required=True)
    experiment = services.experiment_create(
        project=ctx.project, name=name, user=ctx.user, metadata=key_values(data, "tags")
    )
    return {"experiment_id": str(experiment.iid)}


@mlflow_endpoint(("GET",))
def experiment_get(request, ctx, data):
    return {"experiment": experiment_json(_experiment(ctx, data))}


@mlflow_endpoint(("GET",))
def experiment_get_by_name(request, ctx, data):
    name = field_str(data, "experiment_name", required=True)
    if name == services.DEFAULT_EXPERIMENT_NAME:
        services.experiment_default_ensure(project=ctx.project)
    return {"experiment": experiment_json(selectors.experiment_get_by_name(project=ctx.project, name=name))}


@mlflow_endpoint(("GET", "POST"))
def experiment_search(request, ctx, data):
    experiments, next_page = selectors.experiment_search(
        project=ctx.project,
        comparisons=filter_parse(field_str(data, "filter", default=""), EXPERIMENTS),
        order=order_parse(field_list(data, "order_by"), EXPERIMENTS),
        lifecycles=field_view_type(data, "view_type"),
        limit=max_results_check(field_int(data, "max_results", default=1000)),
        offset=page_token_decode(field_str(data, "page_token")).offset,
    )
    body = {"experiments": [experiment_json(e) for e in experiments]}
    if next_page:
        body["next_page_token"] = page_token_encode(next_page)
    return body


@mlflow_endpoint(("POST", "PATCH"), write=True)
def experiment_update(request, ctx, data):
    experiment = _experiment(ctx, data)
    new_name = field_str(data, "new_name")
    if new_name is not None:
        services.experiment_rename(experiment=experiment, name=new_name)
    return {}


@mlflow_endpoint(("POST",), write=True)
def experiment_delete(request, ctx, data):
    services.experiment_delete(experiment=_experiment(ctx, data))
    return {}


@mlflow_endpoint(("POST",), write=True)
def experiment_restore(request, ctx, data):
    services.experiment_restore(experiment=_experiment(ctx, data))
    return {}


@mlflow_endpoint(("POST",), write=True)
def experiment_tag_set(request, ctx, data):
    experiment = _experiment(ctx, data)
    key = field_str(data, "key", required=True)
    value = field_str(data, "value")
    if value is None:
        raise InvalidValueError("Missing value for required parameter 'value'.")
    services.experiment_metadata_set(experiment=experiment, name=key, value=value)
    return {}


@mlflow_endpoint(("POST", "DELETE"), write=True)
def experiment_tag_delete(request, ctx, data):
    experiment = _experiment(ctx, data)
    services.experiment_metadata_delete(experiment=experiment, name=field_str(data, "key", required=True))
    return {}


urlpatterns = [
    path(BASE + "create", experiment_create),
    path(BASE + "get", experiment_get),
    path(BASE + "get-by-name", experiment_get_by_name),
    path(BASE + "search", experiment_search),
    path(BASE + "update", experiment_update),
    path(BASE + "delete", experiment_delete),
    path(BASE + "restore", experiment_restore),
    path(BASE + "set-experiment-tag", experiment_tag_set),
    path(BASE + "delete-experiment-tag", experiment_tag_delete),
]
