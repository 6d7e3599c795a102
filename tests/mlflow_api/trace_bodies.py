"""StartTraceV3 request bodies as the 3.x client sends them (`message_to_json(StartTraceV3(...))`)."""

import uuid

T = "api/3.0/mlflow/traces"


def new_trace_id() -> str:
    return f"tr-{uuid.uuid4().hex}"


def trace_info_body(
    experiment_id, *, trace_id=None, request_time="2026-12-02T14:33:20.123Z", **fields
) -> dict:
    info = {
        "trace_id": new_trace_id() if trace_id is None else trace_id,
        "trace_location": {
            "type": "MLFLOW_EXPERIMENT",
            "mlflow_experiment": {"experiment_id": str(experiment_id)},
        },
        "request_time": request_time,
        "execution_duration": "0.045s",
        "state": "OK",
        "trace_metadata": {"mlflow.trace_schema.version": "3", "mlflow.user": "dev"},
        "tags": {"mlflow.traceName": "add"},
        "request_preview": '{"a": 1, "b": 2}',
        "response_preview": "3",
    }
    info.update(fields)
    return {"trace": {"trace_info": info}}


def trace_start(api, experiment_id, **kwargs):
    return api.post(T, trace_info_body(experiment_id, **kwargs))
