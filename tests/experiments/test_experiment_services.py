"""Experiment services and search: names unique per project, lifecycle, metadata, MLflow search grammar."""

import pytest

from experiments.models import ExperimentMetadata
from experiments.selectors import experiment_get_by_name, experiment_get_for_project, experiment_search
from experiments.services import (
    experiment_create,
    experiment_default_ensure,
    experiment_delete,
    experiment_metadata_delete,
    experiment_metadata_set,
    experiment_rename,
    experiment_restore,
)
from mlflow_api.search_grammar import EXPERIMENTS, filter_parse, order_parse
from projects.errors import AlreadyExistsError, InvalidValueError, NotFoundError

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def test_create_numbers_per_project_and_refuses_duplicates(tenant, other_tenant):
    first = experiment_create(project=tenant.project, name="a", metadata=[("k", "v")])
    second = experiment_create(project=tenant.project, name="b")
    foreign = experiment_create(project=other_tenant.project, name="a")
    assert (first.iid, second.iid, foreign.iid) == (1, 2, 1)
    assert dict(first.metadata.values_list("name", "value")) == {"k": "v"}
    with pytest.raises(AlreadyExistsError):
        experiment_create(project=tenant.project, name="a")
    with pytest.raises(InvalidValueError):
        experiment_create(project=tenant.project, name="")
    with pytest.raises(InvalidValueError):
        experiment_create(project=tenant.project, name="x" * 501)


def test_lookups_go_through_the_project(tenant, other_tenant):
    experiment = experiment_create(project=tenant.project, name="mine")
    assert experiment_get_for_project(project=tenant.project, experiment_id="1") == experiment
    assert experiment_get_by_name(project=tenant.project, name="mine") == experiment
    with pytest.raises(NotFoundError):
        experiment_get_for_project(project=other_tenant.project, experiment_id="1")
    with pytest.raises(NotFoundError):
        experiment_get_by_name(project=other_tenant.project, name="mine")
    with pytest.raises(InvalidValueError):
        experiment_get_for_project(project=tenant.project, experiment_id="one")


def test_rename_delete_restore_and_metadata(tenant):
    experiment = experiment_create(project=tenant.project, name="old")
    experiment_create(project=tenant.project, name="taken")
    with pytest.raises(AlreadyExistsError):
        experiment_rename(experiment=experiment, name="taken")
    experiment_rename(experiment=experiment, name="new")
    experiment_metadata_set(experiment=experiment, name="stage", value="dev")
    experiment_metadata_set(experiment=experiment, name="stage", value="prod")
    assert ExperimentMetadata.objects.get(experiment=experiment).value == "prod"
    experiment_metadata_delete(experiment=experiment, name="stage")
    with pytest.raises(NotFoundError):
        experiment_metadata_delete(experiment=experiment, name="stage")
    experiment_delete(experiment=experiment)
    with pytest.raises(InvalidValueError):
        experiment_rename(experiment=experiment, name="again")
    experiment_restore(experiment=experiment)
    assert experiment_get_by_name(project=tenant.project, name="new").lifecycle == "active"


def test_default_experiment_is_zero_and_cannot_be_deleted(tenant):
    default = experiment_default_ensure(project=tenant.project)
    assert (default.iid, default.name) == (0, "Default")
    assert experiment_default_ensure(project=tenant.project) == default
    with pytest.raises(InvalidValueError):
        experiment_delete(experiment=default)


def test_search_filters_orders_and_pages(tenant, other_tenant):
    for name in ("se-b", "se-c", "se-a", "other"):
        experiment_create(
            project=tenant.project, name=name, metadata=[("suite", "s")] if name != "other" else []
        )
    experiment_create(project=other_tenant.project, name="se-z", metadata=[("suite", "s")])

    def search(*, filter_string="", order_by=(), **kwargs):
        # Written in MLflow's grammar and parsed as the API parses it, so each case reads as a client's query.
        return experiment_search(
            project=tenant.project,
            comparisons=filter_parse(filter_string, EXPERIMENTS),
            order=order_parse(order_by, EXPERIMENTS),
            **kwargs,
        )

    def names(**kwargs):
        found, _ = search(**kwargs)
        return [e.name for e in found]

    assert names(filter_string="name LIKE 'se-%'", order_by=["name DESC"]) == ["se-c", "se-b", "se-a"]
    assert names(filter_string="tags.suite = 's'", order_by=["name"]) == ["se-a", "se-b", "se-c"]
    assert names(filter_string="attributes.name = 'se-a'") == ["se-a"]
    assert names() == ["other", "se-a", "se-c", "se-b"]  # default: newest first
    assert names(filter_string="experiment_id IN ('1', '2')", order_by=["experiment_id ASC"]) == [
        "se-b",
        "se-c",
    ]
    assert names(filter_string="creation_time > 0 AND last_update_time > 0", limit=1) == ["other"]
    seen, offset = [], 0
    while True:
        page, position = search(filter_string="name LIKE 'se-%'", order_by=["name"], limit=2, offset=offset)
        seen += [e.name for e in page]
        if not position:
            break
        offset = position.offset
    assert seen == ["se-a", "se-b", "se-c"]
    with pytest.raises(InvalidValueError):
        names(filter_string="metrics.x > 1")
    with pytest.raises(InvalidValueError):
        names(order_by=["tags.suite"])
