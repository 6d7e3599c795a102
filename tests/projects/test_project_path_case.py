"""Project paths are case-insensitive, as in GitLab: `TEAM%2FALPHA` finds `team/alpha` on the API and the pages,
and no second project may differ from an existing one only by case."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from projects.services import project_create
from tests.conftest import make_tenant
from tests.pages.conftest import signed_in

SEARCH = "ml/mlflow/api/2.0/mlflow/experiments/search"


@pytest.fixture
def alpha(db):
    return make_tenant("team/alpha")


@pytest.mark.parametrize("ref", ["team%2Falpha", "TEAM%2FALPHA", "Team%2FAlpha", "TEAM/ALPHA"])
def test_api_finds_the_project_whatever_the_case(client, alpha, ref):
    response = client.get(
        f"/api/v4/projects/{ref}/{SEARCH}",
        {"max_results": 10},
        HTTP_AUTHORIZATION=f"Bearer {alpha.read_token}",
    )
    assert response.status_code == 200, response.content
    assert "error_code" not in response.json()


def test_api_write_through_an_upper_case_path_lands_in_the_project(client, alpha):
    response = client.post(
        "/api/v4/projects/TEAM%2FALPHA/ml/mlflow/api/2.0/mlflow/experiments/create",
        {"name": "upper"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {alpha.write_token}",
    )
    assert response.status_code == 200
    assert alpha.project.experiments.filter(name="upper").exists()


def test_another_projects_token_still_gets_404(client, alpha, other_tenant):
    response = client.get(
        f"/api/v4/projects/TEAM%2FALPHA/{SEARCH}", HTTP_AUTHORIZATION=f"Bearer {other_tenant.owner_token}"
    )
    assert response.status_code == 404


def test_pages_find_the_project_whatever_the_case(alpha):
    browser = signed_in(alpha.reporter)
    for path in (
        "/team/alpha/-/ml/experiments/",
        "/TEAM/ALPHA/-/ml/experiments/",
        "/Team/alpha/-/ml/experiments/",
    ):
        assert browser.get(path).status_code == 200, path
    assert signed_in(make_tenant("other/x").owner).get("/TEAM/ALPHA/-/ml/experiments/").status_code == 404


def test_a_path_differing_only_by_case_is_refused(alpha):
    with pytest.raises(ValidationError):
        project_create(path="Team/Alpha")


def test_createtoken_finds_the_project_whatever_the_case(alpha):
    call_command("createtoken", "--project", "TEAM/ALPHA", "--user", "carol", "--role", "reporter")
    assert alpha.project.memberships.filter(user__username="carol").exists()
