import pytest

from candidates.services import candidate_create
from experiments.services import experiment_create


@pytest.fixture
def experiment(tenant):
    return experiment_create(project=tenant.project, name="exp", user=tenant.developer)


@pytest.fixture
def candidate(experiment, tenant):
    return candidate_create(experiment=experiment, user=tenant.developer, user_name="dev")
