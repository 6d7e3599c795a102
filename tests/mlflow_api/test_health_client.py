"""`<tracking URI>/health` answers as MLflow's servers do; `/version` stays unanswered, so traced code exports its
traces over REST (StartTraceV3 + the spans as an artifact), never over OTLP."""

import logging

import mlflow
import pytest
import requests
from django.core.signals import request_started

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_health_answers_ok_in_plain_text_without_a_token(mlflow_env):
    response = requests.get(f"{mlflow_env}/health", timeout=30)
    assert response.status_code == 200
    assert response.text == "OK"
    assert response.headers["Content-Type"].startswith("text/plain")
    assert requests.head(f"{mlflow_env}/health", timeout=30).status_code == 200


def test_version_is_not_claimed(mlflow_env):
    # A version >= 3.4 would switch the 3.x client to OTLP `POST /v1/traces`, which Assay does not serve.
    response = requests.get(f"{mlflow_env}/version", timeout=30)
    assert response.status_code == 404
    assert response.json()["error_code"] == "ENDPOINT_NOT_FOUND"


def test_traced_training_code_keeps_working(mlflow_env, caplog):
    paths: list[str] = []

    def record(sender, environ, **kwargs):
        paths.append(environ["PATH_INFO"])

    @mlflow.trace
    def predict(x):
        return step(x) * 2

    @mlflow.trace
    def step(x):
        return x + 1

    request_started.connect(record)
    try:
        with caplog.at_level(logging.DEBUG, logger="mlflow"), mlflow.start_run() as run:
            assert [predict(i) for i in range(3)] == [2, 4, 6]
            mlflow.log_metric("loss", 0.5)
            mlflow.flush_trace_async_logging()
    finally:
        request_started.disconnect(record)
    # No retry loop: /version is probed at most once per trace (the client caches the answer, but two exports
    # racing in its worker threads may both ask first: seen twice in a full run), and each trace costs one v3
    # request (stored: mlflow_api/traces.py), so the client never falls back to v2, and never posts OTLP.
    assert sum(p.endswith("/version") for p in paths) <= 3, paths
    assert sum(p.endswith("/api/3.0/mlflow/traces") for p in paths) == 3, paths
    assert sum(p.endswith("/traces.json") for p in paths) == 3, paths
    assert sum(p.endswith("/api/2.0/mlflow/traces") for p in paths) == 0, paths
    assert not [p for p in paths if p.endswith("/v1/traces")], paths
    assert mlflow.get_run(run.info.run_id).data.metrics == {"loss": 0.5}
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("mlflow")]
    assert not [m for m in messages if "retry" in m.lower()]
    warnings = [
        r.getMessage() for r in caplog.records if r.name.startswith("mlflow") and r.levelno >= logging.WARNING
    ]
    assert warnings == []
    # Traced inside a run: each trace names it (metadata mlflow.sourceRun), which search_traces(run_id=) filters on.
    traces = mlflow.search_traces(
        locations=[run.info.experiment_id], run_id=run.info.run_id, return_type="list"
    )
    assert len(traces) == 3
    assert [span.name for span in traces[0].data.spans] == ["predict", "step"]
