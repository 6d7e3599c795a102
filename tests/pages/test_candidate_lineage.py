"""Parent and child links, the git commit link and the system metrics section of the candidate page."""

import pytest

from candidates.page_selectors import git_commit_url
from tests.pages.conftest import add_metadata, seed_experiment

XSS = '"><img src=x onerror=alert(1)>'


def _url(tenant, candidate):
    return f"/{tenant.project.path}/-/ml/candidates/{candidate.pk}/"


@pytest.mark.parametrize(
    "repo, expected",
    [
        ("https://github.com/acme/vision.git", "https://github.com/acme/vision/commit/abc123"),
        ("https://gitlab.example.com/acme/vision", "https://gitlab.example.com/acme/vision/-/commit/abc123"),
        ("git@github.com:acme/vision.git", ""),
        ("javascript:alert(1)//github.com/x", ""),
    ],
)
def test_git_commit_url_shapes(repo, expected):
    assert git_commit_url(repo_url=repo, commit="abc123") == expected


def test_git_commit_with_a_bad_hash_is_not_linked():
    assert git_commit_url(repo_url="https://github.com/a/b", commit=f"x{XSS}") == ""


def test_parent_children_and_commit_are_linked(owner_client, tenant):
    _, (parent, child, other) = seed_experiment(tenant.project, candidates=3)
    add_metadata(child, mlflow__parentRunId=parent.eid_hex)
    add_metadata(
        parent,
        mlflow__source__git__commit="0123456789abcdef",
        mlflow__source__git__repoURL="https://github.com/acme/vision.git",
    )
    html = owner_client.get(_url(tenant, parent)).content.decode()
    assert f'href="/{tenant.project.path}/-/ml/candidates/{child.pk}/">{child.name}</a>' in html
    assert other.name not in html[html.index('id="lineage"') :]
    assert 'href="https://github.com/acme/vision/commit/0123456789abcdef"' in html
    html = owner_client.get(_url(tenant, child)).content.decode()
    assert f'id="parent-link"><a href="/{tenant.project.path}/-/ml/candidates/{parent.pk}/">' in html


def test_parent_in_another_project_is_not_linked(owner_client, tenant, other_tenant):
    _, (theirs,) = seed_experiment(other_tenant.project, candidates=1)
    _, (mine,) = seed_experiment(tenant.project, candidates=1)
    add_metadata(mine, mlflow__parentRunId=theirs.eid_hex)
    html = owner_client.get(_url(tenant, mine)).content.decode()
    assert f"/ml/candidates/{theirs.pk}/" not in html and "(not in this project)" in html


def test_commit_with_non_http_repo_is_shown_unlinked_and_escaped(owner_client, tenant):
    _, (candidate,) = seed_experiment(tenant.project, candidates=1)
    add_metadata(
        candidate, mlflow__source__git__commit=XSS, mlflow__source__git__repoURL="javascript:alert(1)"
    )
    html = owner_client.get(_url(tenant, candidate)).content.decode()
    assert "<img src=x" not in html and 'javascript:alert(1)"' not in html
    assert "&quot;&gt;&lt;img" in html


def test_system_metrics_have_their_own_section_and_chart_data(owner_client, tenant):
    from candidates.models import CandidateLatestMetric

    _, (candidate,) = seed_experiment(tenant.project, candidates=1)
    CandidateLatestMetric.objects.create(
        candidate=candidate, name="system/cpu_utilization_percentage", value=42.0, step=3, timestamp=1
    )
    html = owner_client.get(_url(tenant, candidate)).content.decode()
    metrics = html[html.index('id="metrics"') : html.index('id="system-metrics"')]
    assert "system/cpu" not in metrics and "loss" in metrics
    section = html[html.index('id="system-metrics"') :]
    assert "system/cpu_utilization_percentage" in section
    assert 'data-url="/acme/vision/-/ml/candidates/' in section and "metric=system%2Fcpu" in section
    assert "metric=acc&amp;metric=loss" in html  # the model charts ask for the model metrics only
    assert "system_metrics.js" in html
