"""Internal id counters heal themselves when they fall behind the numbers actually used (a restore, a manual
insert, an import): the next number is max(counter, highest used) + 1, never a duplicate."""

import pytest

from candidates.models import Candidate
from candidates.services import candidate_create
from experiments.models import Experiment
from experiments.services import experiment_create
from projects.models import InternalId

E = "api/2.0/mlflow/experiments/"


def _rewind(scope: str, scope_id: int, value: int = 0) -> None:
    InternalId.objects.filter(scope=scope, scope_id=scope_id).update(last_value=value)


def test_experiment_counter_behind_the_highest_iid_heals(api, tenant):
    for name in ("a", "b", "c"):
        experiment_create(project=tenant.project, name=name)
    _rewind("experiment", tenant.project.pk)
    response = api.post(E + "create", {"name": "d"})
    assert response.status_code == 200, response.json()
    assert response.json() == {"experiment_id": "4"}
    assert InternalId.objects.get(scope="experiment", scope_id=tenant.project.pk).last_value == 4
    assert api.post(E + "create", {"name": "e"}).json() == {"experiment_id": "5"}


def test_missing_experiment_counter_starts_after_existing_iids(api, tenant):
    Experiment.objects.create(project=tenant.project, iid=7, name="imported")
    assert api.post(E + "create", {"name": "fresh"}).json() == {"experiment_id": "8"}


def test_a_taken_name_is_still_already_exists(api, tenant):
    experiment_create(project=tenant.project, name="taken")
    _rewind("experiment", tenant.project.pk)
    error = api.post(E + "create", {"name": "taken"}).json()
    assert error["error_code"] == "RESOURCE_ALREADY_EXISTS"


def test_candidate_counter_behind_the_highest_iid_heals(tenant):
    experiment = experiment_create(project=tenant.project, name="x")
    first = [candidate_create(experiment=experiment).iid for _ in range(3)]
    _rewind("candidate", experiment.pk, 1)
    assert candidate_create(experiment=experiment).iid == 4
    assert first == [1, 2, 3]
    assert sorted(Candidate.objects.filter(experiment=experiment).values_list("iid", flat=True)) == [
        1,
        2,
        3,
        4,
    ]


def test_counters_are_per_scope(tenant, other_tenant):
    experiment_create(project=tenant.project, name="a")
    experiment_create(project=tenant.project, name="b")
    assert experiment_create(project=other_tenant.project, name="a").iid == 1


@pytest.mark.django_db(transaction=True)
def test_the_mlflow_client_creates_experiments_after_a_counter_rewind(mlflow_client, tenant):
    first = mlflow_client.create_experiment("one")
    _rewind("experiment", tenant.project.pk)
    second = mlflow_client.create_experiment("two")
    assert int(second) == int(first) + 1
    assert mlflow_client.get_experiment(second).name == "two"
