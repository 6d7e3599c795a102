"""Fixtures for the registry edit-page tests: a model with two versions, clients per role, payloads."""

import pytest
from django.test import Client

from model_registry import services
from model_registry.locations import location_for_candidate_model
from tests.model_registry.factories import make_candidate_with_model_folder

XSS = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def models_url(project, rest=""):
    return f"/{project.path}/-/ml/models/{rest}"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def registry(tenant, artifacts_dir):
    """Model "fraud" (versions 1.0.0 and 2.0.0 from one candidate, @champion on 1.0.0, tag team=risk)."""
    candidate = make_candidate_with_model_folder(tenant.project, experiment_name="fraud-exp", name="best")
    model = services.model_create(project=tenant.project, name="fraud", description="Catches fraud")
    location = location_for_candidate_model(candidate)
    v1 = services.model_version_create(model=model, location=location, source=location.uri)
    v2 = services.model_version_create(model=model, location=location, source=location.uri)
    services.model_alias_set(model=model, alias="champion", version=v1)
    services.model_tag_set(model=model, key="team", value="risk")
    return model, v1, v2, candidate


@pytest.fixture
def dev(tenant):
    return client_for(tenant.developer)


@pytest.fixture
def rep(tenant):
    return client_for(tenant.reporter)


@pytest.fixture
def outsider(other_tenant):
    return client_for(other_tenant.owner)
