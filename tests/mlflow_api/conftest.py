"""Fixtures for the tracking endpoint tests: an experiment and a run made through services, foreign callers."""

import pytest

from candidates.services import candidate_create
from experiments.services import experiment_create
from tests.conftest import Api


@pytest.fixture
def tracking_exp(tenant):
    return experiment_create(project=tenant.project, name="tracked", user=tenant.developer)


@pytest.fixture
def tracking_run(tracking_exp, tenant):
    return candidate_create(experiment=tracking_exp, user=tenant.developer, user_name="dev", name="run-1")


@pytest.fixture
def intruder_api(client, tenant, other_tenant) -> Api:
    """The other tenant's owner, aimed at the tenant's project."""
    return Api(client, tenant.project, other_tenant.owner_token)


@pytest.fixture
def anon_api(client, tenant) -> Api:
    return Api(client, tenant.project, None)
