"""What MLflow defines as *data* and the domain stores or shows, named once (ARCHITECTURE.md, "Rules of the house").

Not the protocol (request strings, JSON shapes, error codes: mlflow_api owns those) but values that live in rows
and pages: the run id (a candidate's `eid` as 32 hex), logged-model ids (`m-<hex>`), `mlflow-artifacts:` URIs,
and the system tag keys the domain writes or pages read. mlflow_api and the domain import from here; this
module imports nothing of ours.
"""

import re
import uuid

# ---------------------------------------------------------------- system tags (candidate metadata)
SYSTEM_TAG_PREFIX = "mlflow."
RUN_NAME_TAG = "mlflow.runName"
USER_TAG = "mlflow.user"
PARENT_RUN_TAG = "mlflow.parentRunId"
NOTE_TAG = "mlflow.note.content"
SOURCE_NAME_TAG = "mlflow.source.name"
SOURCE_TYPE_TAG = "mlflow.source.type"
SOURCE_GIT_COMMIT_TAG = "mlflow.source.git.commit"
DATASET_CONTEXT_TAG = "mlflow.data.context"  # a dataset input's tag: training, evaluation, ...
SOURCE_GIT_REPO_URL_TAG = "mlflow.source.git.repoURL"
LOG_MODEL_HISTORY_TAG = "mlflow.log-model.history"  # MLflow 2.x log_model: a JSON list of MLmodel dicts

# MLflow's system metrics (`mlflow.enable_system_metrics_logging`) are metrics named `system/<what>`.
SYSTEM_METRIC_PREFIX = "system/"

# ---------------------------------------------------------------- traces (`@mlflow.trace`)
# Where the client uploads a trace's spans (`traces.json`): set by the server on every trace, never by a client.
TRACE_ARTIFACT_LOCATION_TAG = "mlflow.artifactLocation"
# Tags only a server sets (MLflow's handlers refuse them in set/delete-tag): where the spans are kept.
TRACE_SERVER_TAGS = frozenset(
    {
        TRACE_ARTIFACT_LOCATION_TAG,
        "mlflow.trace.spansLocation",
        "mlflow.trace.archiveLocation",
        "mlflow.trace.archivalFailure",
    }
)
TRACE_NAME_TAG = "mlflow.traceName"  # the traced function's (root span's) name
# The trace metadata key naming the run a trace was recorded in (`search_traces(run_id=...)` filters on it).
TRACE_SOURCE_RUN_METADATA = "mlflow.sourceRun"
# A trace id as the 3.x client makes them (`tr-<32 hex>`) or as the 2.x client did (32 hex), and no more: it is a
# path segment of its artifact URI and the version of the package that holds its files.
TRACE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,49}$")

# ---------------------------------------------------------------- ids
LOGGED_MODEL_ID_PREFIX = "m-"
# A logged model's tag listing the registered model versions made from it: JSON `[{"name", "version"}]`.
LOGGED_MODEL_VERSIONS_TAG = "mlflow.modelVersions"
# What MLflow's messages call a run id (domain errors that reach the client quote it, as the reference does);
# an MLmodel file names its source run under the same key.
RUN_ID_PARAMETER = "run_id"
MLMODEL_RUN_KEY = RUN_ID_PARAMETER


def eid_hex_of(eid: uuid.UUID) -> str:
    """MLflow's run id of a candidate: its eid as 32 lowercase hex."""
    return eid.hex


def logged_model_id_of(eid: uuid.UUID) -> str:
    return f"{LOGGED_MODEL_ID_PREFIX}{eid.hex}"


def logged_model_id_sql(eid_column: str) -> str:
    """logged_model_id_of as a PostgreSQL expression over a uuid column."""
    return f"'{LOGGED_MODEL_ID_PREFIX}' || replace({eid_column}::text, '-', '')"


# ---------------------------------------------------------------- artifact URIs
ARTIFACTS_SCHEME = "mlflow-artifacts"
ARTIFACTS_URI_PREFIX = f"{ARTIFACTS_SCHEME}:"
# The HTTP path the MLflow client resolves `mlflow-artifacts:` URIs to, under the tracking URI.
ARTIFACTS_HTTP_PATH = f"api/2.0/{ARTIFACTS_SCHEME}/artifacts"
RUN_ARTIFACT_URI = re.compile(rf"^{ARTIFACTS_SCHEME}:/+(\d+)/([0-9a-fA-F]{{32}})/artifacts(?:/(.*))?$")
LOGGED_MODEL_ARTIFACT_URI = re.compile(
    rf"^{ARTIFACTS_SCHEME}:/+(\d+)/models/{LOGGED_MODEL_ID_PREFIX}([0-9a-fA-F]{{32}})/artifacts(?:/(.*))?$"
)


def experiment_artifact_location(iid: int) -> str:
    return f"{ARTIFACTS_SCHEME}:/{iid}"


def run_artifact_uri(experiment_iid: int, eid: uuid.UUID) -> str:
    return f"{ARTIFACTS_SCHEME}:/{experiment_iid}/{eid_hex_of(eid)}/artifacts"


def logged_model_artifact_uri(experiment_iid: int, eid: uuid.UUID) -> str:
    return f"{ARTIFACTS_SCHEME}:/{experiment_iid}/models/{logged_model_id_of(eid)}/artifacts"


def trace_artifact_uri(experiment_iid: int, trace_id: str) -> str:
    """Where a trace's files live, as the reference's SqlAlchemyStore sets it: `<experiment location>/traces/<id>/artifacts`."""
    return f"{ARTIFACTS_SCHEME}:/{experiment_iid}/traces/{trace_id}/artifacts"


def artifact_uri_run_hex(uri: str) -> str | None:
    """The run id inside a run's artifact root URI (exactly the root, no sub-path), else None."""
    match = RUN_ARTIFACT_URI.match(uri or "")
    return match.group(2).lower() if match and not match.group(3) else None


def artifact_uri_path(uri: str) -> str:
    """`mlflow-artifacts:/a/b` → `a/b` (what follows the scheme)."""
    return uri.removeprefix(ARTIFACTS_URI_PREFIX).lstrip("/")
