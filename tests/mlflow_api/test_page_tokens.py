"""The one page-token codec: every search endpoint (runs, experiments, logged models, registered models, model
versions, get-history) pages with its tokens, and answers a malformed token, or one whose numbers are negative or
past int64, with MLflow's INVALID_PARAMETER_VALUE (400), never a 500."""

import base64
import json
import uuid

import pytest

from candidates.services import candidate_log_batch
from mlflow_api.page_tokens import INT64_MAX, page_token_decode, page_token_encode
from projects.errors import InvalidValueError
from projects.querying import NextPage

pytestmark = pytest.mark.django_db


def _token(body) -> str:
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode()


BAD_TOKENS = [
    "nope",
    "!!!",
    _token({"offset": INT64_MAX + 1}),
    _token({"offset": 10**40}),
    _token({"offset": -1}),
    _token({"offset": "3"}),
    _token({"offset": 1.5}),
    _token({"offset": True}),
    _token([1, 2]),
    _token({}),
    _token({"offset": 1, "after": [INT64_MAX + 1, "0" * 32]}),
    _token({"offset": 1, "after": [1, "not-hex"]}),
    _token({"offset": 1, "after": "x"}),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
]


def test_round_trip_with_and_without_a_keyset_position():
    eid = uuid.uuid4()
    assert page_token_decode(page_token_encode(NextPage(offset=40))) == NextPage(offset=40)
    assert page_token_decode(page_token_encode(NextPage(offset=2, after=(7, eid)))) == NextPage(2, (7, eid))
    assert page_token_decode(page_token_encode(NextPage(offset=2, after=(None, eid)))) == NextPage(
        2, (None, eid)
    )
    assert page_token_decode(None) == page_token_decode("") == NextPage(offset=0)
    assert page_token_decode(_token({"offset": INT64_MAX})) == NextPage(offset=INT64_MAX)


@pytest.mark.parametrize("token", BAD_TOKENS)
def test_bad_tokens_are_invalid_values(token):
    with pytest.raises(InvalidValueError):
        page_token_decode(token)


@pytest.fixture
def searchable(api, tenant, tracking_exp, tracking_run):
    """Something for every search endpoint to find: the run (with a metric), a logged model, a model with a
    version."""
    candidate_log_batch(candidate=tracking_run, metrics=[("acc", 0.5, 1, 0), ("acc", 0.6, 2, 1)])
    iid = str(tracking_exp.iid)
    assert api.post("api/2.0/mlflow/logged-models", {"experiment_id": iid, "name": "m"}).status_code == 200
    assert api.post("api/2.0/mlflow/registered-models/create", {"name": "reg"}).status_code == 200
    created = api.post(
        "api/2.0/mlflow/model-versions/create",
        {"name": "reg", "source": f"runs:/{tracking_run.eid_hex}/model"},
    )
    assert created.status_code == 200, created.content
    return {
        "runs": ("POST", "api/2.0/mlflow/runs/search", {"experiment_ids": [iid], "max_results": 1}),
        "experiments": ("POST", "api/2.0/mlflow/experiments/search", {"max_results": 1}),
        "logged models": ("POST", "api/2.0/mlflow/logged-models/search", {"experiment_ids": [iid]}),
        "registered models": ("GET", "api/2.0/mlflow/registered-models/search", {"max_results": 1}),
        "model versions": ("GET", "api/2.0/mlflow/model-versions/search", {"max_results": 1}),
        "history": (
            "GET",
            "api/2.0/mlflow/metrics/get-history",
            {"run_id": tracking_run.eid_hex, "metric_key": "acc", "max_results": 1},
        ),
    }


def _call(api, method, path, params):
    return api.post(path, params) if method == "POST" else api.get(path, params)


ENDPOINTS = ["runs", "experiments", "logged models", "registered models", "model versions", "history"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_search_endpoint_refuses_bad_tokens_with_mlflow_json(api, searchable, endpoint):
    method, path, params = searchable[endpoint]
    assert _call(api, method, path, params).status_code == 200
    for token in BAD_TOKENS:
        response = _call(api, method, path, {**params, "page_token": token})
        assert response.status_code == 400, (token, response.content[:300])
        assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_search_endpoint_answers_the_largest_offset_with_an_empty_page(api, searchable, endpoint):
    method, path, params = searchable[endpoint]
    response = _call(api, method, path, {**params, "page_token": _token({"offset": INT64_MAX - 1})})
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert "next_page_token" not in body
    assert all(not value for key, value in body.items())


@pytest.mark.parametrize("endpoint", ["runs", "experiments", "history"])
def test_tokens_the_endpoints_issue_are_the_codecs(api, searchable, tenant, tracking_exp, endpoint):
    if endpoint == "experiments":
        api.post("api/2.0/mlflow/experiments/create", {"name": "second"})
    if endpoint == "runs":
        api.post("api/2.0/mlflow/runs/create", {"experiment_id": str(tracking_exp.iid)})
    method, path, params = searchable[endpoint]
    first = _call(api, method, path, params).json()
    position = page_token_decode(first["next_page_token"])
    assert position.offset == 1
    second = _call(api, method, path, {**params, "page_token": first["next_page_token"]}).json()
    assert second != first
