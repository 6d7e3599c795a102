"""A hostile request to a page gets the styled 400 page (the site's layout, a way back), never a 500; the
same Django-level refusals on the APIs answer in each API's own error shape."""

import json

import pytest
from django.core.exceptions import RequestDataTooBig
from django.test import RequestFactory

from tests.pages.conftest import exp_url, seed_experiment


def assert_styled_400(response):
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert 'class="topbar"' in html and "Bad request" in html


@pytest.mark.parametrize(
    "query",
    [{"filter": "params.opt = 'a\x00b'"}, {"sort": "a\x00"}, {"q": "\x00"}],
    ids=["filter", "sort", "q"],
)
def test_nul_in_the_experiment_page_query_is_a_styled_400(owner_client, tenant, query):
    exp, _ = seed_experiment(tenant.project, candidates=2)
    assert_styled_400(owner_client.get(exp_url(tenant, exp), query))


def test_nul_in_the_experiment_list_query_is_a_styled_400(owner_client, tenant):
    assert_styled_400(owner_client.get(f"/{tenant.project.path}/-/ml/experiments/", {"q": "a\x00b"}))


def test_nul_in_a_page_path_is_a_styled_400(owner_client, tenant):
    assert_styled_400(owner_client.get(f"/{tenant.project.path}/-/ml/experiments/%00/"))


def test_body_too_big_on_a_page_is_a_styled_400(tenant, rf=RequestFactory()):
    request = rf.post(f"/{tenant.project.path}/-/ml/experiments/")
    from config.errors import bad_request

    assert_styled_400(bad_request(request, RequestDataTooBig("Request body exceeded")))


def test_mlflow_prefix_gets_mlflow_json_from_the_handler(tenant, rf=RequestFactory()):
    request = rf.post(f"/api/v4/projects/{tenant.project.path}/ml/mlflow/api/2.0/mlflow/runs/log-batch")
    from config.errors import bad_request

    response = bad_request(request, RequestDataTooBig("Request body exceeded"))
    assert response.status_code == 400
    body = json.loads(response.content)
    assert body["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "ASSAY_MAX_REQUEST_BODY" in body["message"]


def test_nul_in_an_mlflow_query_is_mlflow_json(client, tenant):
    response = client.get(
        f"/api/v4/projects/{tenant.project.pk}/ml/mlflow/api/2.0/mlflow-artifacts/artifacts/1/x%00y",
        HTTP_AUTHORIZATION=f"Bearer {tenant.read_token}",
    )
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("rest", "query"),
    [
        ("", {"c": HUGE}),
        ("", {"per_page": HUGE}),
        (
            "",
            {"cursor": "eyJ2IjogMSwgImlkIjogOTk5OTk5OTk5OTk5OTk5OTk5OTl9"},
        ),  # {"v": 1, "id": 99999999999999999999}
        ("", {"cursor": "!!!"}),
        ("performance/", {"c": HUGE}),
        ("performance/data.json", {"c": HUGE}),
    ],
    ids=["c", "per-page", "cursor-huge-id", "cursor-garbage", "performance-c", "data-c"],
)
def test_hostile_experiment_page_queries_never_answer_500(owner_client, tenant, rest, query):
    exp, _ = seed_experiment(tenant.project, candidates=2)
    assert owner_client.get(exp_url(tenant, exp, rest), query).status_code < 500


@pytest.mark.parametrize("query", [{"page": HUGE}, {"page": "-" + HUGE}, {"page": "1e20"}])
def test_hostile_list_page_numbers_never_answer_500(owner_client, tenant, query):
    for path in ("ml/experiments/", "ml/models/", "packages/"):
        assert owner_client.get(f"/{tenant.project.path}/-/{path}", query).status_code < 500, path
