"""The links the MLflow client prints (<tracking URI>/#/experiments/<id>/runs/<run id>) and the bare project URL
land on the dashboard: the tracking-URI page hands the fragment to the resolver, which finds the objects through
the project the user may see."""

from urllib.parse import quote

import pytest

from candidates.models import Candidate
from experiments.models import Lifecycle
from tests.pages.conftest import seed_experiment, signed_in

pytestmark = pytest.mark.django_db


def resolver(tenant, query=""):
    return f"/{tenant.project.path}/-/ml/mlflow-link" + (f"?{query}" if query else "")


@pytest.mark.parametrize("suffix", ["/", ""])
@pytest.mark.parametrize("by", ["id", "path"])
def test_tracking_uri_serves_the_link_page_with_and_without_slash(client, tenant, suffix, by):
    ref = tenant.project.pk if by == "id" else quote(tenant.project.path, safe="")
    response = client.get(f"/api/v4/projects/{ref}/ml/mlflow{suffix}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    expected = f"/{tenant.project.pk}/-/ml/mlflow-link" if by == "id" else resolver(tenant)
    assert f'data-resolver="{expected}"' in html
    assert '<script src="/static/mlflow_link.js"></script>' in html
    assert "<script>" not in html  # no inline script
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy


def test_tracking_uri_page_reads_nothing_and_reveals_no_project(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/api/v4/projects/no-such/thing/ml/mlflow/")
    assert response.status_code == 200
    assert b"no-such/thing/-/ml/mlflow-link" in response.content


def test_tracking_uri_page_escapes_a_hostile_project_ref(client):
    response = client.get("/api/v4/projects/%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E/ml/mlflow/")
    assert response.status_code == 200
    assert b"<img" not in response.content
    assert b'data-resolver="/"' in response.content  # not a dashboard path: the project list


def test_other_mlflow_paths_still_answer_mlflow_json(client, tenant):
    response = client.get(f"/api/v4/projects/{tenant.project.pk}/ml/mlflow/nope")
    assert response.status_code == 404
    assert response.json()["error_code"] == "ENDPOINT_NOT_FOUND"
    for suffix in ("/", ""):
        response = client.post(f"/api/v4/projects/{tenant.project.pk}/ml/mlflow{suffix}")
        assert response.status_code == 404
        assert response.json()["error_code"] == "ENDPOINT_NOT_FOUND"


def test_resolver_sends_a_member_to_the_candidate(tenant, assert_query_count):
    exp, candidates = seed_experiment(tenant.project, iid=4, candidates=2)
    client = signed_in(tenant.reporter)
    with assert_query_count("mlflow_link_candidate"):
        response = client.get(resolver(tenant, f"experiment=4&run={candidates[1].eid.hex}"))
    assert response.status_code == 302
    assert response["Location"] == f"/{tenant.project.path}/-/ml/candidates/{candidates[1].pk}/"


def test_resolver_sends_a_member_to_the_experiment(tenant, assert_query_count):
    seed_experiment(tenant.project, iid=4, candidates=1)
    client = signed_in(tenant.reporter)
    with assert_query_count("mlflow_link_experiment"):
        response = client.get(resolver(tenant, "experiment=4"))
    assert response["Location"] == f"/{tenant.project.path}/-/ml/experiments/4/"


@pytest.mark.parametrize(
    "query",
    ["", "experiment=99", "experiment=abc", "experiment=99999999999999999999999", "run=zz", "experiment=-1"],
)
def test_resolver_sends_unknown_links_to_the_experiment_list(tenant, query):
    response = signed_in(tenant.reporter).get(resolver(tenant, query))
    assert response.status_code == 302
    assert response["Location"] == f"/{tenant.project.path}/-/ml/experiments/"


def test_unknown_run_in_a_known_experiment_lands_on_the_experiment(tenant):
    seed_experiment(tenant.project, iid=4, candidates=1)
    response = signed_in(tenant.reporter).get(resolver(tenant, "experiment=4&run=" + "a" * 32))
    assert response["Location"] == f"/{tenant.project.path}/-/ml/experiments/4/"


def test_deleted_candidate_is_not_a_destination(tenant):
    _, candidates = seed_experiment(tenant.project, iid=4, candidates=1)
    Candidate.objects.filter(pk=candidates[0].pk).update(lifecycle=Lifecycle.DELETED)
    response = signed_in(tenant.reporter).get(resolver(tenant, f"experiment=4&run={candidates[0].eid.hex}"))
    assert response["Location"] == f"/{tenant.project.path}/-/ml/experiments/4/"


def test_signed_out_goes_through_sign_in_with_the_resolver_as_next(client, tenant):
    url = resolver(tenant, "experiment=4&run=" + "a" * 32)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == "/users/sign_in?next=" + quote(url, safe="/")


def test_other_tenant_run_is_not_found_through_this_project(tenant, other_tenant):
    _, theirs = seed_experiment(other_tenant.project, iid=1, candidates=1)
    response = signed_in(tenant.reporter).get(resolver(tenant, f"experiment=1&run={theirs[0].eid.hex}"))
    assert response["Location"] == f"/{tenant.project.path}/-/ml/experiments/"


def test_non_member_gets_404(tenant, other_tenant):
    response = signed_in(other_tenant.owner).get(resolver(tenant, "experiment=1"))
    assert response.status_code == 404


def test_project_root_lands_on_the_experiments(client, tenant):
    response = client.get(f"/{tenant.project.path}/-/")
    assert response.status_code == 302
    assert response["Location"] == f"/{tenant.project.path}/-/ml/experiments/"
