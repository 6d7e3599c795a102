"""The tracking API's hot paths (get_run, log_metric, metric-only log_batch, get-history): pinned query counts and
the behaviour of their PostgreSQL fast paths (one JOIN for auth, one statement for metric writes, history JSON
built by the database) against the general path."""

import math

import pytest

from candidates.models import CandidateLatestMetric, CandidateMetric
from candidates.services import candidate_delete, candidate_log_batch

pytestmark = [pytest.mark.django_db]
R = "api/2.0/mlflow/runs/"
H = "api/2.0/mlflow/metrics/get-history"


@pytest.mark.smoke
def test_metric_only_batch_is_one_statement_and_keeps_the_latest_rule(api, tracking_run, assert_query_count):
    metrics = [
        {"key": "loss", "value": 1 / (s + 1), "timestamp": str(1000 + s), "step": str(s)} for s in range(300)
    ]
    metrics += [
        {"key": "acc", "value": 0.5, "timestamp": 5, "step": 9},
        {"key": "acc", "value": 0.4, "timestamp": 6, "step": 9},
    ]
    # auth 1 + last-used stamp 1 + the write 1
    with assert_query_count("log_batch_metrics_only"):
        response = api.post(R + "log-batch", {"run_id": tracking_run.eid_hex, "metrics": metrics})
    assert response.json() == {}
    assert CandidateMetric.objects.filter(candidate=tracking_run).count() == 302
    latest = {
        m.name: (m.value, m.step, m.timestamp)
        for m in CandidateLatestMetric.objects.filter(candidate=tracking_run)
    }
    assert latest == {"loss": (1 / 300, 299, 1299), "acc": (0.4, 9, 6)}
    # An older point afterwards does not replace the latest value.
    api.post(
        R + "log-metric",
        {"run_id": tracking_run.eid_hex, "key": "loss", "value": 9, "timestamp": 1, "step": 1},
    )
    assert CandidateLatestMetric.objects.get(candidate=tracking_run, name="loss").step == 299


def test_metric_writes_refuse_unknown_foreign_and_deleted_runs(api, tracking_run, other_tenant):
    point = {"key": "m", "value": 1, "timestamp": 1}
    for run_id in ("f" * 32, "nope"):
        for path, body in (("log-metric", point), ("log-batch", {"metrics": [point]})):
            response = api.post(R + path, {"run_id": run_id, **body})
            assert response.status_code == 404 and response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    # A bad key on an unknown run is still "not found" first, as on the general path.
    assert (
        api.post(
            R + "log-metric", {"run_id": "f" * 32, "key": "../m", "value": 1, "timestamp": 1}
        ).status_code
        == 404
    )
    foreign = other_tenant.project
    from candidates.services import candidate_create
    from experiments.services import experiment_create

    theirs = candidate_create(
        experiment=experiment_create(project=foreign, name="x", user=other_tenant.developer)
    )
    assert api.post(R + "log-metric", {"run_id": theirs.eid_hex, **point}).status_code == 404
    candidate_delete(candidate=tracking_run)
    for path, body in (("log-metric", point), ("log-batch", {"metrics": [point]})):
        response = api.post(R + path, {"run_id": tracking_run.eid_hex, **body})
        assert response.status_code == 400 and "must be in the 'active' state" in response.json()["message"]
    assert CandidateMetric.objects.count() == 0 and CandidateLatestMetric.objects.count() == 0


@pytest.mark.smoke
def test_get_run_is_two_queries_with_all_its_data(api, read_api, tracking_run, assert_query_count):
    candidate_log_batch(
        candidate=tracking_run,
        metrics=[("m", 2.5, 10, 3)],
        params=[("p", "v")],
        tags=[("t", "x")],
    )
    dataset = {"name": "d", "digest": "abc", "source_type": "local", "source": "{}", "schema": "s"}
    inputs = [{"dataset": dataset, "tags": [{"key": "context", "value": "training"}]}]
    api.post(R + "log-inputs", {"run_id": tracking_run.eid_hex, "datasets": inputs})
    # auth 1 + last-used stamp 1 + run, experiment and data 1
    with assert_query_count("get_run_with_inputs"):
        run = read_api.get(R + "get", {"run_id": tracking_run.eid_hex}).json()["run"]
    assert run["info"]["run_id"] == tracking_run.eid_hex and run["info"]["experiment_id"] == str(
        tracking_run.experiment.iid
    )
    assert run["data"]["metrics"] == [{"key": "m", "value": 2.5, "timestamp": 10, "step": 3}]
    assert run["data"]["params"] == [{"key": "p", "value": "v"}]
    assert {"key": "t", "value": "x"} in run["data"]["tags"]
    assert run["inputs"]["dataset_inputs"] == [
        {"tags": [{"key": "context", "value": "training"}], "dataset": dataset}
    ]


def test_get_run_of_another_project_is_404(api, other_tenant):
    from candidates.services import candidate_create
    from experiments.services import experiment_create

    theirs = candidate_create(
        experiment=experiment_create(project=other_tenant.project, name="x", user=other_tenant.developer)
    )
    assert api.get(R + "get", {"run_id": theirs.eid_hex}).status_code == 404


@pytest.mark.smoke
def test_full_history_matches_the_paged_history_exactly(read_api, tracking_run, assert_query_count):
    values = [0.1, 1e-05, -2.0, 1e300, 123456789.125, 7.0, 1 / 3, math.nan, math.inf, -math.inf]
    key = "k: é/x-1.2"
    candidate_log_batch(candidate=tracking_run, metrics=[(key, v, 100 - i, i) for i, v in enumerate(values)])
    # auth 1 + last-used stamp 1 + run 1 + history 1
    with assert_query_count("get_history_unpaged"):
        full = read_api.get(H, {"run_id": tracking_run.eid_hex, "metric_key": key}).json()
    paged, token = [], None
    while True:
        params = {
            "run_id": tracking_run.eid_hex,
            "metric_key": key,
            "max_results": 3,
            **({"page_token": token} if token else {}),
        }
        body = read_api.get(H, params).json()
        paged += body["metrics"]
        token = body.get("next_page_token")
        if not token:
            break
    assert full == {"metrics": paged} and len(paged) == len(values)
    assert [p["step"] for p in paged] == list(range(len(values)))[::-1]  # timestamp order first
    as_float = [float(p["value"]) for p in reversed(paged)]
    assert [repr(v) for v in as_float] == [repr(v) for v in values]
