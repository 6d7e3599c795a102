"""`@mlflow.trace` with the 3.x client against Assay (issue 12, item 7): traces are stored, as by `mlflow server`.

The client exports each finished trace on its own: `POST api/3.0/mlflow/traces` (StartTraceV3) with the trace's
info, then a PUT of the spans as `traces.json` to the `mlflow.artifactLocation` tag the server answered. Reading
goes the same way back: `GET api/3.0/mlflow/traces/<id>`, then a GET of that file. `/version` stays a 404, so the
client never tries OTLP `POST /v1/traces`, which Assay does not serve.
"""

import logging
import time

import mlflow
import pytest

from traces.models import Trace

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


def test_traced_calls_are_stored_without_a_warning_and_read_back_with_their_spans(
    mlflow_env, monkeypatch, mlflow_warnings, tenant
):
    monkeypatch.delenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES")  # the client's defaults: 7 retries with backoff

    @mlflow.trace
    def add(a, b):
        return a + b

    experiment_id = mlflow.set_experiment("traced").experiment_id
    started = time.monotonic()
    results = []
    trace_ids = []
    for i in range(3):
        results.append(add(i, 1))
        trace_ids.append(mlflow.get_last_active_trace_id())
        time.sleep(0.005)  # distinct request times, so "newest first" is one order
    returned = time.monotonic() - started
    mlflow.flush_trace_async_logging()
    exported = time.monotonic() - started

    assert results == [1, 2, 3]
    assert returned < 5 and exported < 30, (returned, exported)
    assert [r.getMessage() for r in mlflow_warnings] == []
    assert set(Trace.objects.filter(project=tenant.project).values_list("trace_id", flat=True)) == set(
        trace_ids
    )

    trace = mlflow.get_trace(trace_ids[1])
    assert trace is not None
    assert trace.info.trace_id == trace_ids[1]
    assert trace.info.experiment_id == experiment_id
    assert trace.info.state.value == "OK"
    assert [span.name for span in trace.data.spans] == ["add"]
    assert trace.data.spans[0].inputs == {"a": 1, "b": 1}
    assert trace.data.spans[0].outputs == 2

    found = mlflow.search_traces(experiment_ids=[experiment_id], return_type="list")
    assert [t.info.trace_id for t in found] == trace_ids[::-1]  # newest first
    assert [t.data.spans[0].outputs for t in found] == [3, 2, 1]
    assert [r.getMessage() for r in mlflow_warnings] == []


def test_a_trace_of_a_failing_call_is_stored_with_its_error(mlflow_env, mlflow_warnings):
    @mlflow.trace
    def fail():
        raise ValueError("<b>boom</b>")

    mlflow.set_experiment("traced")
    with pytest.raises(ValueError):
        fail()
    mlflow.flush_trace_async_logging()
    trace = mlflow.get_trace(mlflow.get_last_active_trace_id())
    assert trace.info.state.value == "ERROR"
    assert trace.data.spans[0].status.status_code.value == "ERROR"
    assert [r.getMessage() for r in mlflow_warnings] == []


def test_without_an_experiment_set_traces_go_to_the_default_experiment(mlflow_env, mlflow_warnings, tenant):
    @mlflow.trace
    def double(x):
        return 2 * x

    assert double(2) == 4
    mlflow.flush_trace_async_logging()
    assert [r.getMessage() for r in mlflow_warnings] == []
    trace = mlflow.get_trace(mlflow.get_last_active_trace_id())
    assert trace.info.experiment_id == "0"
    assert trace.data.spans[0].outputs == 4


def test_client_tags_and_deletes_traces(mlflow_env, mlflow_client):
    @mlflow.trace
    def square(x):
        return x * x

    experiment_id = mlflow.set_experiment("traced").experiment_id
    square(3)
    time.sleep(0.005)
    square(4)
    mlflow.flush_trace_async_logging()
    found = mlflow.search_traces(experiment_ids=[experiment_id], return_type="list")
    second, first = (t.info.trace_id for t in found)  # newest first

    mlflow_client.set_trace_tag(first, "reviewed", "yes")
    assert mlflow_client.get_trace(first).info.tags["reviewed"] == "yes"
    mlflow_client.delete_trace_tag(first, "reviewed")
    assert "reviewed" not in mlflow_client.get_trace(first).info.tags

    assert mlflow_client.delete_traces(experiment_id, trace_ids=[first]) == 1
    left = mlflow.search_traces(experiment_ids=[experiment_id], return_type="list")
    assert [t.info.trace_id for t in left] == [second]
    assert mlflow_client.delete_traces(experiment_id, max_timestamp_millis=int(time.time() * 1000)) == 1
    assert mlflow.search_traces(experiment_ids=[experiment_id], return_type="list") == []
