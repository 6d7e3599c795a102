"""`<tracking URI>/health` answers as MLflow's servers do; `/version` stays unanswered so traced code skips spans."""

import logging

import mlflow
import pytest
import requests

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
    @mlflow.trace
    def predict(x):
        return step(x) * 2

    @mlflow.trace
    def step(x):
        return x + 1

    with caplog.at_level(logging.DEBUG, logger="mlflow"), mlflow.start_run() as run:
        assert [predict(i) for i in range(3)] == [2, 4, 6]
        mlflow.log_metric("loss", 0.5)
        mlflow.flush_trace_async_logging()
    assert mlflow.get_run(run.info.run_id).data.metrics == {"loss": 0.5}
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("mlflow")]
    # Spans are skipped silently (no /version); no retry loop and no span-logging warning.
    assert not [m for m in messages if "retry" in m.lower() or "log_spans" in m and "WARNING" in m]
    # The 3.x client itself warns once per exported trace (Assay stores no traces); nothing else.
    warnings = [
        r.getMessage() for r in caplog.records if r.name.startswith("mlflow") and r.levelno >= logging.WARNING
    ]
    assert len(warnings) <= 3 and all("Failed to send trace" in m for m in warnings), warnings
