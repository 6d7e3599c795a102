"""metrics/get-history: every point in MLflow's order, paged with max_results + page_token."""

import pytest
from django.db import connection

from candidates.services import candidate_log_batch

pytestmark = [pytest.mark.django_db]
H = "api/2.0/mlflow/metrics/get-history"


@pytest.mark.smoke
def test_history_returns_every_point_in_order(read_api, tracking_run, django_assert_max_num_queries):
    candidate_log_batch(candidate=tracking_run, metrics=[("loss", i / 2, 1000 + i, i) for i in range(2500)])
    candidate_log_batch(candidate=tracking_run, metrics=[("loss", 7.0, 1000, 0)])  # same step, kept too
    # PostgreSQL: auth 1 + last-used stamp 1 + run 1 + history 1; SQLite: auth 3 + stamp 1 + run 1 + history 1
    with django_assert_max_num_queries(4 if connection.vendor == "postgresql" else 6):
        body = read_api.get(H, {"run_id": tracking_run.run_id, "metric_key": "loss"}).json()
    points = body["metrics"]
    assert len(points) == 2501 and "next_page_token" not in body
    assert points[0] == {"key": "loss", "value": 0.0, "timestamp": 1000, "step": 0}
    assert points[1] == {"key": "loss", "value": 7.0, "timestamp": 1000, "step": 0}
    assert points[-1] == {"key": "loss", "value": 1249.5, "timestamp": 3499, "step": 2499}


def test_history_pages(read_api, tracking_run):
    candidate_log_batch(candidate=tracking_run, metrics=[("m", float(i), i, i) for i in range(5)])
    seen, token = [], None
    while True:
        params = {"run_id": tracking_run.run_id, "metric_key": "m", "max_results": 2}
        if token:
            params["page_token"] = token
        body = read_api.get(H, params).json()
        seen += [p["step"] for p in body["metrics"]]
        token = body.get("next_page_token")
        if not token:
            break
    assert seen == [0, 1, 2, 3, 4]


def test_history_of_unknown_key_is_empty_and_errors(read_api, intruder_api, anon_api, tracking_run):
    assert read_api.get(H, {"run_id": tracking_run.run_id, "metric_key": "never"}).json() == {"metrics": []}
    assert read_api.get(H, {"run_id": tracking_run.run_id}).json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert read_api.get(H, {"run_id": "f" * 32, "metric_key": "m"}).status_code == 404
    assert intruder_api.get(H, {"run_id": tracking_run.run_id, "metric_key": "m"}).status_code == 404
    assert anon_api.get(H, {"run_id": tracking_run.run_id, "metric_key": "m"}).status_code == 401


def test_history_pages_equal_the_whole_history(read_api, tracking_run):
    """Pages (an exact multiple of the page size, odd values, ties on timestamp and step) concatenate to the
    unpaged answer, and the last full page carries no token."""
    values = [0.5, -1.0, 1 / 3, 1e300, -0.0, 2.0]
    if connection.vendor == "postgresql":
        values += [float("inf"), float("nan")]  # SQLite stores no NaN
    candidate_log_batch(candidate=tracking_run, metrics=[("odd", v, 7, i // 3) for i, v in enumerate(values)])
    whole = read_api.get(H, {"run_id": tracking_run.run_id, "metric_key": "odd"}).json()["metrics"]
    assert len(whole) == len(values)
    pages, token = [], None
    while True:
        params = {"run_id": tracking_run.run_id, "metric_key": "odd", "max_results": 2}
        if token:
            params["page_token"] = token
        body = read_api.get(H, params).json()
        pages.append(body["metrics"])
        token = body.get("next_page_token")
        if not token:
            break
    assert [len(p) for p in pages] == [2] * (len(values) // 2)
    assert [point for page in pages for point in page] == whole
