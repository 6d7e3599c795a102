"""runs/delete, runs/restore, experiments/delete, experiments/restore by role: GitLab's `write_model_experiments`
(developer and up, with an `api` token), no ownership check; the same rule as the pages."""

import pytest

from candidates.models import Candidate
from candidates.services import candidate_create
from experiments.models import Experiment, Lifecycle
from experiments.services import experiment_create
from projects.models import Role, TokenScope
from projects.services import access_token_create, membership_set, user_get_or_create
from tests.conftest import Api

R = "api/2.0/mlflow/runs/"
E = "api/2.0/mlflow/experiments/"


@pytest.fixture
def owners_run(tenant):
    """An experiment and a run created by the project's owner, not by the callers below."""
    experiment = experiment_create(project=tenant.project, name="owners", user=tenant.owner)
    return candidate_create(experiment=experiment, user=tenant.owner, user_name="owner", name="theirs")


def _api_as(client, tenant, role: int, scopes=TokenScope.API) -> Api:
    user = user_get_or_create(username=f"as-{Role(role).label.lower()}")
    membership_set(project=tenant.project, user=user, role=role)
    return Api(client, tenant.project, access_token_create(user=user, name="t", scopes=scopes)[1])


@pytest.mark.parametrize("role", [Role.DEVELOPER, Role.MAINTAINER])
def test_developer_and_maintainer_delete_and_restore_anyones_run(client, tenant, owners_run, role):
    api = _api_as(client, tenant, role)
    run_id = owners_run.eid_hex
    assert api.post(R + "delete", {"run_id": run_id}).json() == {}
    assert Candidate.objects.get(pk=owners_run.pk).lifecycle == Lifecycle.DELETED
    assert api.post(R + "restore", {"run_id": run_id}).json() == {}
    assert Candidate.objects.get(pk=owners_run.pk).lifecycle == Lifecycle.ACTIVE


@pytest.mark.parametrize("role", [Role.DEVELOPER, Role.MAINTAINER])
def test_developer_and_maintainer_delete_and_restore_anyones_experiment(client, tenant, owners_run, role):
    api = _api_as(client, tenant, role)
    eid = str(owners_run.experiment.iid)
    assert api.post(E + "delete", {"experiment_id": eid}).json() == {}
    assert Experiment.objects.get(pk=owners_run.experiment_id).lifecycle == Lifecycle.DELETED
    assert api.post(E + "restore", {"experiment_id": eid}).json() == {}
    assert Experiment.objects.get(pk=owners_run.experiment_id).lifecycle == Lifecycle.ACTIVE


def test_reporter_deletes_and_restores_nothing(client, tenant, owners_run):
    # A reporter with an `api` token: the role, not the scope, refuses.
    api = _api_as(client, tenant, Role.REPORTER)
    run_id, eid = owners_run.eid_hex, str(owners_run.experiment.iid)
    for path, body in ((R + "delete", {"run_id": run_id}), (E + "delete", {"experiment_id": eid})):
        response = api.post(path, body)
        assert response.status_code == 403 and response.json()["error_code"] == "PERMISSION_DENIED"
    Candidate.objects.filter(pk=owners_run.pk).update(lifecycle=Lifecycle.DELETED)
    Experiment.objects.filter(pk=owners_run.experiment_id).update(lifecycle=Lifecycle.DELETED)
    for path, body in ((R + "restore", {"run_id": run_id}), (E + "restore", {"experiment_id": eid})):
        assert api.post(path, body).status_code == 403
    assert Candidate.objects.get(pk=owners_run.pk).lifecycle == Lifecycle.DELETED
    assert Experiment.objects.get(pk=owners_run.experiment_id).lifecycle == Lifecycle.DELETED
