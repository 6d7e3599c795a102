"""MLflow wire shapes: request field parsing (MLflow's messages) and domain objects → MLflow JSON (service.proto).

Ids are strings, times are ms since the epoch, NaN/±inf are the protobuf JSON strings "NaN"/"Infinity"/"-Infinity".
"""

import json
import math

from experiments.models import Lifecycle

from .errors import MlflowError

# ---------------------------------------------------------------- requests


def missing(name: str) -> MlflowError:
    return MlflowError(
        f"Missing value for required parameter '{name}'. See the API docs for more information about request "
        "parameters."
    )


def invalid(name: str, value, reason: str = "") -> MlflowError:
    shown = json.dumps(value, default=str)[:200]
    return MlflowError(
        f"Invalid value {shown} for parameter '{name}' supplied{': ' + reason if reason else '.'}"
    )


def wrong_type(name: str, value) -> MlflowError:
    """mlflow server's answer to a JSON value of the wrong type for a request's own field."""
    return invalid(
        name,
        value,
        f" Hint: Value was of type '{type(value).__name__}'. See the API docs for more information about request"
        " parameters.",
    )


def field_str(
    data: dict, name: str, *, required: bool = False, default: str | None = None, nested: bool = False
) -> str | None:
    """A string field. A request's own fields must be JSON strings, as mlflow server checks them; inside the
    items of a list (`nested`: tags, params, datasets, models) it takes numbers as their text, as it does."""
    value = data.get(name)
    if value is None or (required and value == ""):
        if required:
            raise missing(name)
        return default
    if isinstance(value, str):
        return value
    if nested and isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise wrong_type(name, value)


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def field_int(data: dict, name: str, *, required: bool = False, default: int | None = None) -> int | None:
    """An int64 (proto's int64: a JSON number or a decimal string); anything else, or out of range, is refused."""
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise missing(name)
        return default
    number = None
    if isinstance(value, bool):
        raise invalid(name, value)
    if isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, int):
        number = value
    elif isinstance(value, str) and len(value) <= 20:  # int() of a huge digit string is quadratic
        try:
            number = int(value)
        except ValueError:
            pass
    if number is None or not INT64_MIN <= number <= INT64_MAX:
        raise invalid(name, value, "Value must be a 64-bit integer.")
    return number


_SPECIAL_FLOATS = {
    "nan": math.nan,
    "infinity": math.inf,
    "-infinity": -math.inf,
    "inf": math.inf,
    "-inf": -math.inf,
}


def field_float(data: dict, name: str, *, required: bool = False) -> float | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise missing(name)
        return None
    if isinstance(value, bool):
        raise invalid(name, value, "Please specify value as a valid double (64-bit floating point)")
    if isinstance(value, float):
        return value
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:  # an integer literal beyond the double range
            pass
    elif isinstance(value, str):
        special = _SPECIAL_FLOATS.get(value.lower())
        if special is not None:
            return special
        try:
            return float(value)
        except ValueError:
            pass
    raise invalid(name, value, "Please specify value as a valid double (64-bit floating point)")


def field_list(data: dict, name: str) -> list:
    value = data.get(name)
    if value is None:
        return []
    if isinstance(value, str):  # a single GET query value
        return [value]
    if not isinstance(value, list):
        raise invalid(name, value, "Value must be a list.")
    return value


def field_str_list(data: dict, name: str) -> list[str]:
    """A list of strings (or one string): what the search endpoints hand their parsers."""
    values = field_list(data, name)
    for index, item in enumerate(values):
        if not isinstance(item, str):
            raise invalid(f"{name}[{index}]", item, "Expected a string.")
    return values


def key_values(data: dict, name: str) -> list[tuple[str, str]]:
    """MLflow's `[{"key": k, "value": v}]` arrays (tags, params)."""
    out = []
    for index, item in enumerate(field_list(data, name)):
        if not isinstance(item, dict):
            raise invalid(f"{name}[{index}]", item)
        key = field_str(item, "key", nested=True)
        if key is None:
            raise missing(f"{name}[{index}].key")
        out.append((key, field_str(item, "value", default="", nested=True)))
    return out


MAX_RESULTS_THRESHOLD = 50_000
_VIEW_TYPES = {
    "ACTIVE_ONLY": (Lifecycle.ACTIVE,),
    "DELETED_ONLY": (Lifecycle.DELETED,),
    "ALL": None,
    "1": (Lifecycle.ACTIVE,),
    "2": (Lifecycle.DELETED,),
    "3": None,
}


def field_view_type(data: dict, name: str) -> tuple[str, ...] | None:
    """MLflow's ViewType (by name or number) as the lifecycles a selector keeps (None: all)."""
    value = str(field_str(data, name) or "ACTIVE_ONLY").upper()
    if value not in _VIEW_TYPES:
        raise MlflowError(f"Invalid view type {value!r}; use ACTIVE_ONLY, DELETED_ONLY or ALL")
    return _VIEW_TYPES[value]


def max_results_check(max_results, *, threshold: int = MAX_RESULTS_THRESHOLD) -> int:
    try:
        number = int(max_results)
    except (TypeError, ValueError) as exc:
        raise MlflowError(f"Invalid value {max_results!r} for parameter 'max_results' supplied.") from exc
    if number < 1 or number > threshold:
        raise MlflowError(
            f"Invalid value {number} for parameter 'max_results' supplied. It must be at most {threshold}"
            if number > threshold
            else f"Invalid value {number} for parameter 'max_results' supplied. It must be a positive integer"
        )
    return number


def experiment_iids_from(data: dict, name: str = "experiment_ids") -> list[int]:
    iids = []
    for value in field_list(data, name):
        text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
        # ASCII digits that fit in bigint: int() alone also takes '²', ' 7' and 5,000-digit strings.
        if not (text.isascii() and text.isdigit() and len(text) <= 18):
            raise MlflowError(f"Invalid experiment ID '{value}'. Experiment ID must be a valid integer.")
        iids.append(int(text))
    return iids


def run_id_from(data: dict) -> str:
    run_id = field_str(data, "run_id") or field_str(data, "run_uuid")
    if not run_id:
        raise missing("run_id")
    return run_id


# ---------------------------------------------------------------- responses


def float_json(value: float):
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def ms(moment) -> int:
    return int(moment.timestamp() * 1000)


def tags_json(rows) -> list[dict]:
    return [{"key": row.name, "value": row.value} for row in rows]


def experiment_json(experiment) -> dict:
    return {
        "experiment_id": str(experiment.iid),
        "name": experiment.name,
        "artifact_location": experiment.artifact_location,
        "lifecycle_stage": experiment.lifecycle,
        "last_update_time": ms(experiment.updated_at),
        "creation_time": ms(experiment.created_at),
        "tags": tags_json(experiment.metadata.all()),
    }


def run_info_json(candidate) -> dict:
    info = {
        "run_uuid": candidate.eid_hex,
        "run_id": candidate.eid_hex,
        "run_name": candidate.name,
        "experiment_id": str(candidate.experiment.iid),
        "user_id": candidate.user_name,
        "status": candidate.status,
        "start_time": candidate.start_time,
        "artifact_uri": candidate.artifact_uri,
        "lifecycle_stage": candidate.lifecycle,
    }
    if candidate.end_time is not None:
        info["end_time"] = candidate.end_time
    return info


def dataset_input_json(row: dict) -> dict:
    dataset = {
        "name": row["name"],
        "digest": row["digest"],
        "source_type": row["source_type"],
        "source": row["source"],
    }
    if row["schema"]:
        dataset["schema"] = row["schema"]
    if row["profile"]:
        dataset["profile"] = row["profile"]
    return {"tags": row["tags"] or [], "dataset": dataset}


def run_json(candidate, data=None) -> dict:
    """A run with data, inputs and outputs, from `data` (CandidateData), else `candidate.data` (set by
    candidate_get_for_project(with_data=True) and candidate_search)."""
    if data is None:
        data = candidate.data
    # As mlflow server: `outputs` is {} until the run has logged a model; model inputs listed once there are some.
    inputs = {"dataset_inputs": [dataset_input_json(row) for row in data.inputs]}
    if data.model_inputs:
        inputs["model_inputs"] = [{"model_id": model_id} for model_id in data.model_inputs]
    outputs = {}
    if data.model_outputs:
        outputs["model_outputs"] = [
            {"model_id": model_id, "step": step} for model_id, step in data.model_outputs
        ]
    return {
        "info": run_info_json(candidate),
        "data": {
            "metrics": [
                {"key": name, "value": float_json(value), "timestamp": timestamp, "step": step}
                for name, value, timestamp, step in data.latest_metrics
            ],
            "params": [{"key": name, "value": value} for name, value in data.params],
            "tags": [{"key": name, "value": value} for name, value in data.metadata],
        },
        "inputs": inputs,
        "outputs": outputs,
    }


def list_body(field: str, items: str, next_page_token: str | None = None) -> str:
    """`{"<field>":[<items>],"next_page_token":...}` around JSON items already joined by commas (built as text
    or by the database), the token only when there is one."""
    body = f'{{"{field}":[{items}]'
    if next_page_token:
        body += ',"next_page_token":' + json.dumps(next_page_token)
    return body + "}"
