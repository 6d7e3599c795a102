"""metrics/get-history: every point in MLflow's order, paged with max_results + page_token."""

import json

import pytest

from candidates.services import candidate_log_batch

pytestmark = [pytest.mark.django_db]
H = "api/2.0/mlflow/metrics/get-history"


@pytest.mark.smoke
def test_history_returns_every_point_in_order(read_api, tracking_run, assert_query_count):
    candidate_log_batch(candidate=tracking_run, metrics=[("loss", i / 2, 1000 + i, i) for i in range(2500)])
    candidate_log_batch(candidate=tracking_run, metrics=[("loss", 7.0, 1000, 0)])  # same step, kept too
    # auth 1 + last-used stamp 1 + run 1 + history 1
    with assert_query_count("get_history_2501_points"):
        body = read_api.get(H, {"run_id": tracking_run.eid_hex, "metric_key": "loss"}).json()
    points = body["metrics"]
    assert len(points) == 2501 and "next_page_token" not in body
    assert points[0] == {"key": "loss", "value": 0.0, "timestamp": 1000, "step": 0}
    assert points[1] == {"key": "loss", "value": 7.0, "timestamp": 1000, "step": 0}
    assert points[-1] == {"key": "loss", "value": 1249.5, "timestamp": 3499, "step": 2499}


def _pages(api, run, key: str, size: int) -> list[list[dict]]:
    pages, token = [], None
    while True:
        params = {"run_id": run.eid_hex, "metric_key": key, "max_results": size}
        if token:
            params["page_token"] = token
        body = api.get(H, params).json()
        pages.append(body["metrics"])
        token = body.get("next_page_token")
        if not token:
            return pages


def test_history_pages(read_api, tracking_run):
    candidate_log_batch(candidate=tracking_run, metrics=[("m", float(i), i, i) for i in range(5)])
    assert [p["step"] for page in _pages(read_api, tracking_run, "m", 2) for p in page] == [0, 1, 2, 3, 4]


def test_history_of_unknown_key_is_empty_and_errors(read_api, intruder_api, anon_api, tracking_run):
    assert read_api.get(H, {"run_id": tracking_run.eid_hex, "metric_key": "never"}).json() == {"metrics": []}
    assert read_api.get(H, {"run_id": tracking_run.eid_hex}).json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert read_api.get(H, {"run_id": "f" * 32, "metric_key": "m"}).status_code == 404
    assert intruder_api.get(H, {"run_id": tracking_run.eid_hex, "metric_key": "m"}).status_code == 404
    assert anon_api.get(H, {"run_id": tracking_run.eid_hex, "metric_key": "m"}).status_code == 401


def test_history_pages_equal_the_whole_history(read_api, tracking_run):
    """Pages (an exact multiple of the page size, odd values, ties on timestamp and step) concatenate to the
    unpaged answer, and the last full page carries no token."""
    values = [0.5, -1.0, 1 / 3, 1e300, -0.0, 2.0, float("inf"), float("nan")]
    candidate_log_batch(candidate=tracking_run, metrics=[("odd", v, 7, i // 3) for i, v in enumerate(values)])
    whole = read_api.get(H, {"run_id": tracking_run.eid_hex, "metric_key": "odd"}).json()["metrics"]
    assert len(whole) == len(values)
    pages = _pages(read_api, tracking_run, "odd", 2)
    assert [len(p) for p in pages] == [2] * (len(values) // 2)
    assert [point for page in pages for point in page] == whole


B = "api/2.0/mlflow/metrics/get-history-bulk-interval"


def _bulk(api, run_ids, **params):
    return api.client.get(api.base + B, {"run_ids": run_ids, "metric_key": "m", **params}, **api.headers)


@pytest.mark.smoke
def test_bulk_interval_samples_like_mlflows_sql_store(read_api, tracking_exp, tracking_run, other_tenant):
    """NTILE(max_results) buckets over (step, timestamp, value), each bucket's first point, the last point always
    kept (it replaces the final sample on a full page); runs outside the project add nothing."""
    from candidates.services import candidate_create
    from experiments.services import experiment_create

    candidate_log_batch(candidate=tracking_run, metrics=[("m", float(i), 1000 + i, i) for i in range(10)])
    short = candidate_create(experiment=tracking_exp, name="short")
    candidate_log_batch(candidate=short, metrics=[("m", 5.0, 7, 3), ("m", 6.0, 8, 4)])
    foreign_exp = experiment_create(project=other_tenant.project, name="theirs", user=other_tenant.owner)
    foreign = candidate_create(experiment=foreign_exp, name="theirs")
    candidate_log_batch(candidate=foreign, metrics=[("m", 1.0, 1, 1)])

    body = _bulk(
        read_api, [tracking_run.eid_hex, short.eid_hex, foreign.eid_hex, "f" * 32], max_results=3
    ).json()
    mine = [m for m in body["metrics"] if m["run_id"] == tracking_run.eid_hex]
    assert [m["step"] for m in mine] == [0, 4, 9]  # buckets of 4, 3, 3 rows; the last replaces step 7
    assert mine[0] == {"key": "m", "value": 0.0, "timestamp": 1000, "step": 0, "run_id": tracking_run.eid_hex}
    assert [(m["run_id"], m["step"]) for m in body["metrics"][3:]] == [(short.eid_hex, 3), (short.eid_hex, 4)]
    assert {m["run_id"] for m in body["metrics"]} == {tracking_run.eid_hex, short.eid_hex}

    # Buckets of 3, 3, 2, 2: firsts 0, 3, 6, 8, and the last (9) replaces 8. With room, it is appended.
    steps = [m["step"] for m in _bulk(read_api, [tracking_run.eid_hex], max_results=4).json()["metrics"]]
    assert steps == [0, 3, 6, 9]
    steps = [m["step"] for m in _bulk(read_api, [tracking_run.eid_hex], max_results=7).json()["metrics"]]
    assert steps == [0, 2, 4, 6, 7, 8, 9]  # NTILE(7) of 10 rows: buckets of 2, 2, 2, 1, 1, 1, 1
    # A step range narrows the rows first.
    ranged = _bulk(read_api, [tracking_run.eid_hex], start_step=2, end_step=5).json()["metrics"]
    assert [m["step"] for m in ranged] == [2, 3, 4, 5]
    assert _bulk(read_api, [tracking_run.eid_hex], max_results=1).json()["metrics"][0]["step"] == 9
    assert _bulk(read_api, [foreign.eid_hex]).json() == {}  # proto3 JSON: nothing matched, no field


def test_bulk_interval_errors(read_api, anon_api, tracking_run):
    run = tracking_run.eid_hex
    for params, fragment in (
        ({"max_results": 0}, "max_results must be between 1 and 2500. See the API docs"),
        ({"max_results": 2501}, "max_results must be between 1 and 2500."),
        ({"start_step": 1}, "both must be specified"),
        ({"start_step": 5, "end_step": 2}, "end_step must be greater than start_step"),
    ):
        response = _bulk(read_api, [run], **params)
        assert response.status_code == 400 and fragment in response.json()["message"], params
    too_many = _bulk(read_api, [run] * 101)
    assert too_many.status_code == 400 and "at most 100 run_ids. Received 101" in too_many.json()["message"]
    missing_ids = read_api.get(B, {"metric_key": "m"})
    assert missing_ids.status_code == 400 and "run_ids" in missing_ids.json()["message"]
    assert _bulk(anon_api, [run]).status_code == 401


def test_whole_history_is_streamed_in_bounded_chunks(read_api, tracking_run, monkeypatch):
    """An unpaged get-history is read through a server-side cursor and sent in chunks (a 1M-point
    history no longer builds an ~80 MB string in the web process), and says what the paged reads say."""
    from candidates.metrics import selectors

    monkeypatch.setattr(selectors, "HISTORY_STREAM_CHUNK", 3)
    candidate_log_batch(candidate=tracking_run, metrics=[("s", i * 0.25, 50 + i, i) for i in range(10)])
    response = read_api.client.get(
        read_api.base + H, {"run_id": tracking_run.eid_hex, "metric_key": "s"}, **read_api.headers
    )
    assert response.streaming and response["Content-Type"] == "application/json"
    chunks = [c for c in response.streaming_content if c]
    assert len(chunks) == 2 + 4  # the opening, four chunks of at most 3 points, the closing
    whole = json.loads(b"".join(chunks))
    paged = [point for page in _pages(read_api, tracking_run, "s", 4) for point in page]
    assert whole == {"metrics": paged} and [p["step"] for p in paged] == list(range(10))
    empty = read_api.get(H, {"run_id": tracking_run.eid_hex, "metric_key": "none"}).json()
    assert empty == {"metrics": []}
