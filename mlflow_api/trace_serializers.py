"""MLflow's TraceInfoV3 in proto3 JSON, both ways: what StartTraceV3 sends, what every trace endpoint answers.

Times are protobuf well-known types: `request_time` a Timestamp (RFC 3339, `2026-12-02T14:33:20.123Z`),
`execution_duration` a Duration (`0.045s`); Assay keeps both in milliseconds, as the reference's store does.
Empty fields are left out, as proto3 JSON does.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from projects.mlflow_data import TRACE_ARTIFACT_LOCATION_TAG
from traces.models import Trace

from .errors import MlflowError
from .serializers import field_str, invalid, missing, wrong_type

_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$")
_DURATION = re.compile(r"^(-?)(\d{1,12})(?:\.(\d{1,9}))?s$")
# TraceInfoV3.State: proto3 JSON sends an enum by name, and parsers also take its number.
STATES = ("STATE_UNSPECIFIED", "OK", "ERROR", "IN_PROGRESS")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class TraceInfoIn:
    trace_id: str
    experiment_id: str
    request_time: int
    execution_duration: int | None
    state: str
    request_preview: str
    response_preview: str
    client_request_id: str
    metadata: dict[str, str]
    tags: dict[str, str]


def timestamp_ms(value, name: str) -> int:
    """A protobuf Timestamp's JSON (RFC 3339 with an offset) as ms since the epoch."""
    match = _TIMESTAMP.match(value) if isinstance(value, str) else None
    if match is None:
        raise invalid(name, value, "Expected an RFC 3339 timestamp such as '2026-12-02T14:33:20.123Z'.")
    date, time, fraction, offset = match.groups()
    offset = "+00:00" if offset in ("Z", "z") else offset
    try:
        moment = datetime.fromisoformat(f"{date}T{time}{offset}")
    except ValueError as exc:
        raise invalid(name, value, "Expected an RFC 3339 timestamp.") from exc
    return (moment - _EPOCH) // timedelta(milliseconds=1) + int((fraction or "0").ljust(9, "0")[:3])


def duration_ms(value, name: str) -> int:
    """A protobuf Duration's JSON (`1.5s`) as whole milliseconds."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        raise invalid(name, value, "Expected a duration in seconds such as '0.045s'.")
    sign, seconds, fraction = match.groups()
    ms = int(seconds) * 1000 + int((fraction or "0").ljust(9, "0")[:3])
    return -ms if sign else ms


def timestamp_json(ms: int) -> str:
    moment = _EPOCH + timedelta(milliseconds=ms)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{ms % 1000:03d}Z" if ms % 1000 else f"{text}Z"


def duration_json(ms: int) -> str:
    sign, ms = ("-", -ms) if ms < 0 else ("", ms)
    return f"{sign}{ms // 1000}.{ms % 1000:03d}s" if ms % 1000 else f"{sign}{ms // 1000}s"


def _dict(data: dict, name: str, *, required: bool = False) -> dict:
    value = data.get(name)
    if value is None:
        if required:
            raise missing(name)
        return {}
    if not isinstance(value, dict):
        raise wrong_type(name, value)
    return value


def _string_map(data: dict, name: str) -> dict[str, str]:
    """A proto map<string, string>: a JSON object whose values are strings."""
    value = _dict(data, name)
    for key, item in value.items():
        if not isinstance(item, str):
            raise invalid(f"{name}.{key}", item, "Expected a string.")
    return value


def _state(value) -> str:
    if value is None:
        return STATES[0]
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(STATES):
        return STATES[value]
    if isinstance(value, str) and value in STATES:
        return value
    raise invalid("state", value, f"Expected one of {list(STATES)}.")


def trace_info_parse(data: dict) -> TraceInfoIn:
    """StartTraceV3's `trace.trace_info`, checked field by field (any wrong shape is a 400)."""
    info = _dict(_dict(data, "trace", required=True), "trace_info", required=True)
    experiment = _dict(_dict(info, "trace_location", required=True), "mlflow_experiment", required=True)
    experiment_id = field_str(experiment, "experiment_id", required=True)
    if not (experiment_id.isascii() and experiment_id.isdigit() and len(experiment_id) <= 18):
        raise MlflowError(f"Invalid experiment ID '{experiment_id}'. Experiment ID must be a valid integer.")
    if info.get("request_time") is None:
        raise missing("request_time")
    duration = info.get("execution_duration")
    return TraceInfoIn(
        trace_id=field_str(info, "trace_id", required=True),
        experiment_id=experiment_id,
        request_time=timestamp_ms(info["request_time"], "request_time"),
        execution_duration=None if duration is None else duration_ms(duration, "execution_duration"),
        state=_state(info.get("state")),
        request_preview=field_str(info, "request_preview", default=""),
        response_preview=field_str(info, "response_preview", default=""),
        client_request_id=field_str(info, "client_request_id", default=""),
        metadata=_string_map(info, "trace_metadata"),
        tags=_string_map(info, "tags"),
    )


def trace_info_json(trace: Trace) -> dict:
    """TraceInfoV3 of a trace loaded with its experiment, tags and metadata. Its `mlflow.artifactLocation` tag is
    the server's (where the client PUTs and GETs `traces.json`), never stored from a client."""
    info: dict = {"trace_id": trace.trace_id}
    if trace.client_request_id:
        info["client_request_id"] = trace.client_request_id
    info["trace_location"] = {
        "type": "MLFLOW_EXPERIMENT",
        "mlflow_experiment": {"experiment_id": str(trace.experiment.iid)},
    }
    if trace.request_preview:
        info["request_preview"] = trace.request_preview
    if trace.response_preview:
        info["response_preview"] = trace.response_preview
    info["request_time"] = timestamp_json(trace.request_time)
    if trace.execution_duration is not None:
        info["execution_duration"] = duration_json(trace.execution_duration)
    info["state"] = trace.state
    metadata = {row.key: row.value for row in trace.metadata.all()}
    if metadata:
        info["trace_metadata"] = metadata
    tags = {row.key: row.value for row in trace.tags.all()}
    tags[TRACE_ARTIFACT_LOCATION_TAG] = trace.artifact_uri
    info["tags"] = tags
    return info
