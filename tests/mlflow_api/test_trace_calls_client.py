"""`@mlflow.trace` with the 3.x client against Assay, which stores no traces (issue 12, item 7).

The traced function must keep working and return promptly; exporting the trace fails fast: creating a trace answers
501 NOT_IMPLEMENTED saying traces are not stored (mlflow_api/traces.py), a status the client never retries, so no
minutes of retries even with the default retry settings, and one request per trace (ENDPOINT_NOT_FOUND made the
client try the 2.x path as well, and its warning said nothing useful). What the
client does with a failed export is its own: one WARNING per trace (mlflow/tracing/export/mlflow_v3.py warns on
every failed `start_trace`, whatever the server answers); span logging is given up after one `/version` probe.
"""

import logging
import time

import mlflow
import pytest

pytestmark = pytest.mark.django_db(transaction=True)


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def mlflow_warnings():
    """WARNING and above from mlflow's loggers (they do not propagate to the root logger, so caplog misses them)."""
    handler = _Records()
    logger = logging.getLogger("mlflow")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def test_traced_function_returns_promptly_and_each_lost_trace_warns_once_saying_why(
    mlflow_env, monkeypatch, mlflow_warnings
):
    monkeypatch.delenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES")  # the client's defaults: 7 retries with backoff

    @mlflow.trace
    def add(a, b):
        return a + b

    mlflow.set_experiment("traced")
    started = time.monotonic()
    assert [add(i, 1) for i in range(3)] == [1, 2, 3]
    returned = time.monotonic() - started
    mlflow.flush_trace_async_logging()
    exported = time.monotonic() - started

    assert returned < 5 and exported < 30, (returned, exported)
    lost = [r for r in mlflow_warnings if "Failed to send trace" in r.getMessage()]
    assert len(lost) == 3  # per trace, by the client; never a retry storm
    assert all("NOT_IMPLEMENTED: Assay does not store MLflow traces" in r.getMessage() for r in lost)
    assert [r.getMessage() for r in mlflow_warnings if r not in lost] == []


def test_creating_a_trace_says_traces_are_not_stored(api, anon_api):
    for version in ("2.0", "3.0"):
        response = api.post(f"api/{version}/mlflow/traces", {"trace": {}})
        assert response.status_code == 501
        assert response.json()["error_code"] == "NOT_IMPLEMENTED"
        assert anon_api.post(f"api/{version}/mlflow/traces", {}).status_code == 401
    assert api.get("api/3.0/mlflow/traces/search").json()["error_code"] == "ENDPOINT_NOT_FOUND"
