"""Writes for candidates (MLflow runs): create, update, delete/restore, log batch, metadata, inputs.

Each public function is one transaction. Validation follows MLflow's reference server (mlflow/utils/validation.py):
keys up to 250 characters of `[/\\w.\\- :]`, param values truncated to 6000 characters, tag values to 8000.
"""

import json
import posixpath
import random
import re
import time
import uuid
from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.utils import timezone

from experiments.models import Experiment, Lifecycle
from projects.db import hot_cursor
from projects.errors import InvalidStateError, InvalidValueError, NotFoundError
from projects.limits import length_check
from projects.mlflow_data import LOG_MODEL_HISTORY_TAG, NOTE_TAG, RUN_NAME_TAG
from projects.services import internal_id_next

from .metrics.services import PG_CHUNK, metrics_write, metrics_write_ctes, metrics_write_one_statement
from .models import (
    Candidate,
    CandidateInput,
    CandidateMetadata,
    CandidateParam,
    Status,
)
from .selectors import candidate_get_for_project

MAX_KEY_LENGTH = 250
MAX_PARAM_VALUE_LENGTH = 6000
MAX_TAG_VALUE_LENGTH = 8000
MAX_NAME_LENGTH = 500  # Candidate.name
MAX_USER_NAME_LENGTH = 255  # Candidate.user_name
_KEY_RE = re.compile(r"^[/\w.\- :]*$")

_ADJECTIVES = (
    "able amazing bold brave bright calm clean clever cool crisp curious dapper daring eager fast fearless "
    "gentle glad grand happy honest hopeful keen kind lively loud lucky merry mighty modest neat nimble noble "
    "polite proud quick quiet rare rebel shy silent sincere smart snappy sneaky stylish sunny swift tasteful "
    "thoughtful unique upbeat vivid wise witty youthful zealous"
).split()
_NOUNS = (
    "ant ape asp auk bass bat bear bee bird boar bug calf carp cat chimp cod colt conch cow crab crane croc crow "
    "cub deer doe dog dove duck eel elk fawn finch fish flea fly foal fowl fox frog gnat gnu goat goose grouse "
    "grub gull hare hawk hen hog horse hound jay kit kite koi lamb lark loon lynx mare midge mink mole moose "
    "moth mouse mule newt owl ox panda perch pig pug quail ram rat ray robin roo rook seal shad shark sheep "
    "shoat shrew skink slug smelt snail snake squid stag stork swan toad trout wasp whale wolf worm wren yak zebra"
).split()


def candidate_nickname() -> str:
    """A readable random name like MLflow's (`adjective-noun-123`)."""
    return f"{random.choice(_ADJECTIVES)}-{random.choice(_NOUNS)}-{random.randint(0, 999)}"


def now_ms() -> int:
    return int(time.time() * 1000)


# ---------------------------------------------------------------- validation


def key_check(name, what: str = "key") -> str:
    if name is None or name == "":
        raise InvalidValueError(f"Missing value for required parameter '{what}'.")
    if not isinstance(name, str):
        raise InvalidValueError(f"Invalid value {name!r} for parameter '{what}' supplied.")
    if not _KEY_RE.match(name):
        raise InvalidValueError(
            f"Invalid value \"{name}\" for parameter '{what}' supplied: Names may only contain alphanumerics, "
            "underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/)."
        )
    norm = posixpath.normpath(name)
    if norm != name or norm == "." or norm.startswith("..") or norm.startswith("/"):
        raise InvalidValueError(
            f"Invalid value \"{name}\" for parameter '{what}' supplied: Names may be treated as files in certain "
            f"cases, and must not resolve to other names when treated as such. This name would resolve to {norm!r}"
        )
    if len(name) > MAX_KEY_LENGTH:
        raise InvalidValueError(f"'{what}' exceeds the maximum length of {MAX_KEY_LENGTH} characters")
    return name


def _active_check(candidate: Candidate) -> None:
    if candidate.lifecycle != Lifecycle.ACTIVE:
        raise InvalidValueError(
            f"The run {candidate.eid_hex} must be in the 'active' state. Current state is {candidate.lifecycle}."
        )


# ---------------------------------------------------------------- candidates


def candidate_create(
    *,
    experiment: Experiment,
    user=None,
    user_name: str = "",
    start_time: int | None = None,
    name: str = "",
    metadata: Iterable[tuple[str, str]] = (),
) -> Candidate:
    """Create a RUNNING candidate; its name comes from `name`, else the mlflow.runName tag, else a nickname."""
    if experiment.lifecycle != Lifecycle.ACTIVE:
        raise InvalidValueError(
            f"The experiment {experiment.iid} must be in the 'active' state. Current state is deleted."
        )
    pairs = _metadata_pairs(metadata)
    tag_name = pairs.get(RUN_NAME_TAG)
    if name and tag_name and name != tag_name:
        raise InvalidValueError(
            f"Both 'run_name' argument and '{RUN_NAME_TAG}' tag are specified, but with different values "
            f"(run_name='{name}', {RUN_NAME_TAG}='{tag_name}')."
        )
    name = length_check(name or tag_name or candidate_nickname(), MAX_NAME_LENGTH, "run_name")
    length_check(user_name or "", MAX_USER_NAME_LENGTH, "user_id")
    pairs[RUN_NAME_TAG] = name
    with transaction.atomic():
        candidate = Candidate.objects.create(
            experiment=experiment,
            project_id=experiment.project_id,
            iid=internal_id_next(
                scope="candidate",
                scope_id=experiment.pk,
                used=Candidate.objects.filter(experiment=experiment),
            ),
            name=name,
            user=user,
            user_name=user_name or "",
            start_time=now_ms() if start_time is None else start_time,
            status=Status.RUNNING,
        )
        _metadata_upsert(candidate, pairs)
    candidate.experiment = experiment
    return candidate


def candidate_update(
    *, candidate: Candidate, status: str | None = None, end_time: int | None = None, name: str | None = None
) -> Candidate:
    """Update status / end time / name; a new name is mirrored into the mlflow.runName tag."""
    _active_check(candidate)
    if name:
        length_check(name, MAX_NAME_LENGTH, "run_name")
    fields = ["updated_at"]
    if status:
        if status not in Status.values:
            raise InvalidValueError(f"Invalid value {status!r} for parameter 'status' supplied.")
        candidate.status = status
        fields.append("status")
    if end_time is not None:
        candidate.end_time = end_time
        fields.append("end_time")
    with transaction.atomic():
        if name:
            candidate.name = name
            fields.append("name")
            _metadata_upsert(candidate, {RUN_NAME_TAG: name})
        candidate.save(update_fields=fields)
    return candidate


def candidate_delete(*, candidate: Candidate) -> Candidate:
    candidate.lifecycle = Lifecycle.DELETED
    candidate.save(update_fields=["lifecycle", "updated_at"])
    return candidate


def candidate_restore(*, candidate: Candidate) -> Candidate:
    candidate.lifecycle = Lifecycle.ACTIVE
    candidate.save(update_fields=["lifecycle", "updated_at"])
    return candidate


# ---------------------------------------------------------------- logging


def candidate_log_batch(
    *,
    candidate: Candidate,
    metrics: Sequence[tuple[str, float, int, int]] = (),
    params: Sequence[tuple[str, str]] = (),
    tags: Sequence[tuple[str, str]] = (),
) -> None:
    """Log metrics `(name, value, timestamp_ms, step)`, params `(name, value)` and tags `(name, value)` at once.

    All or nothing: a changed param value raises InvalidValueError and nothing from the call is written.
    """
    _active_check(candidate)
    # A batch usually repeats a few names; the first bad one wins.
    for name in dict.fromkeys(m[0] for m in metrics):
        key_check(name, "name")
    params = _params_normalise(params)
    pairs = _metadata_pairs(tags)
    if metrics and not params and not pairs and len(metrics) <= PG_CHUNK:
        # The hot path (log_metric, metric-only log_batch): history and latest values in one statement, which
        # PostgreSQL runs atomically on its own: no BEGIN/COMMIT round trips.
        metrics_write_one_statement(candidate.pk, metrics)
        return
    with transaction.atomic():
        if params:
            _params_insert(candidate, params)
        if metrics:
            metrics_write(candidate.pk, metrics)
        if pairs:
            _metadata_upsert(candidate, pairs)


class _SlowPath(Exception):
    pass


def candidate_log_batch_by_eid(
    *,
    project,
    eid_hex: str,
    metrics: Sequence[tuple[str, float, int, int]] = (),
    params: Sequence[tuple[str, str]] = (),
    tags: Sequence[tuple[str, str]] = (),
) -> int:
    """log-metric and log-batch by external id (32 hex, MLflow's run id), with candidate_log_batch's behaviour and errors; the
    candidate's id.

    Metrics alone (the clients' hottest write) take `_metrics_log_for_run`: one statement after
    authentication.
    """
    if metrics and not params and not tags:
        return _metrics_log_for_run(project=project, eid_hex=eid_hex, metrics=metrics)
    candidate = candidate_get_for_project(project=project, eid_hex=eid_hex)
    candidate_log_batch(candidate=candidate, metrics=metrics, params=params, tags=tags)
    return candidate.pk


def _metrics_log_for_run(*, project, eid_hex: str, metrics: Sequence[tuple[str, float, int, int]]) -> int:
    """Metrics by external id; the candidate's id. The candidate lookup (in the project), the active
    check and both writes are one statement."""
    try:
        if not metrics or len(metrics) > PG_CHUNK:
            raise _SlowPath
        eid = uuid.UUID(hex=str(eid_hex))
        for name in dict.fromkeys(m[0] for m in metrics):
            key_check(name, "name")
    except (_SlowPath, ValueError, TypeError, InvalidValueError):
        # Anything unusual takes the general path, which also orders the errors (404, deleted, bad key).
        candidate = candidate_get_for_project(project=project, eid_hex=eid_hex)
        candidate_log_batch(candidate=candidate, metrics=metrics)
        return candidate.pk
    qn = connection.ops.quote_name
    writes_sql, writes_params = metrics_write_ctes(metrics)
    sql = (
        f"WITH c AS (SELECT id, lifecycle FROM {qn(Candidate._meta.db_table)} WHERE eid = %s AND project_id = %s),"
        f" {writes_sql} SELECT id, lifecycle FROM c"
    )
    with hot_cursor() as cursor:
        cursor.execute(sql, [eid, project.pk, *writes_params])
        row = cursor.fetchone()
    if row is None:
        raise NotFoundError(f"Run with id={eid_hex} not found")
    candidate_id, lifecycle = row
    if lifecycle != Lifecycle.ACTIVE:
        raise InvalidValueError(
            f"The run {eid.hex} must be in the 'active' state. Current state is {lifecycle}."
        )
    return candidate_id


def candidate_metadata_set(*, candidate: Candidate, name: str, value: str) -> None:
    candidate_log_batch(candidate=candidate, tags=[(name, value)])


def candidate_logged_model_append(*, candidate: Candidate, model: dict) -> None:
    """Append a model (MLflow 2.x log_model's MLmodel dict) to the candidate's log-model history tag.

    The candidate row is locked for the read-modify-write, so concurrent appends each keep their model. The JSON
    is stored whole (not truncated like other tag values: a cut list would no longer parse). A tag that does not
    hold a JSON list is an InvalidStateError rather than silently replaced.
    """
    _active_check(candidate)
    with transaction.atomic():
        Candidate.objects.select_for_update().filter(pk=candidate.pk).values_list("pk", flat=True).get()
        row = CandidateMetadata.objects.filter(candidate=candidate, name=LOG_MODEL_HISTORY_TAG).first()
        try:
            history = json.loads(row.value) if row else []
        except ValueError:
            history = None
        if not isinstance(history, list):
            raise InvalidStateError(f"The run's {LOG_MODEL_HISTORY_TAG} tag does not hold a JSON list.")
        history.append(model)
        if row is None:
            CandidateMetadata.objects.create(
                candidate=candidate, name=LOG_MODEL_HISTORY_TAG, value=json.dumps(history)
            )
        else:
            row.value = json.dumps(history)
            row.save(update_fields=["value"])


def candidate_metadata_delete(*, candidate: Candidate, name: str) -> None:
    _active_check(candidate)
    deleted, _ = CandidateMetadata.objects.filter(candidate=candidate, name=name).delete()
    if not deleted:
        raise NotFoundError(f"No tag with name: {name} in run with id {candidate.eid_hex}")


def candidate_description_set(*, candidate: Candidate, text: str) -> None:
    """The candidate's description (MLflow's `mlflow.note.content` tag, Markdown); empty text removes it.

    Longer than a tag value may be is an InvalidValueError here (the page says so) rather than the silent cut
    the API applies to tags."""
    _active_check(candidate)
    text = (text or "").replace("\r\n", "\n")
    length_check(text, MAX_TAG_VALUE_LENGTH, "description")
    if text.strip():
        candidate_metadata_set(candidate=candidate, name=NOTE_TAG, value=text)
    else:
        CandidateMetadata.objects.filter(candidate=candidate, name=NOTE_TAG).delete()


def candidate_inputs_log(*, candidate: Candidate, datasets: Sequence[dict]) -> None:
    """Store dataset inputs; the same (name, digest) logged again is kept once, as in MLflow."""
    _active_check(candidate)
    rows = [
        CandidateInput(
            candidate=candidate,
            name=d["name"],
            digest=d["digest"],
            source_type=d.get("source_type") or "",
            source=d.get("source") or "",
            schema=d.get("schema") or "",
            profile=d.get("profile") or "",
            tags=list(d.get("tags") or []),
        )
        for d in datasets
    ]
    CandidateInput.objects.bulk_create(rows, ignore_conflicts=True)


# ---------------------------------------------------------------- internals


def _metadata_pairs(tags: Iterable[tuple[str, str]]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for name, value in tags:
        key_check(name)
        value = "" if value is None else str(value)
        if name == RUN_NAME_TAG:  # mirrored into Candidate.name
            length_check(value, MAX_NAME_LENGTH, RUN_NAME_TAG)
        pairs[name] = value[:MAX_TAG_VALUE_LENGTH]  # the reference truncates long tag values
    return pairs


def _params_normalise(params: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    dupes: list[str] = []
    out = []
    for name, value in params:
        key_check(name)
        if name in seen:
            dupes.append(name)
        seen.add(name)
        out.append((name, ("" if value is None else str(value))[:MAX_PARAM_VALUE_LENGTH]))
    if dupes:
        raise InvalidValueError(
            f"Duplicate parameter keys have been submitted: {dupes}. Please ensure the request contains only "
            "one param value per param key."
        )
    return out


def _params_insert(candidate: Candidate, params: list[tuple[str, str]]) -> None:
    # Insert-or-ignore, then compare with what is stored: a concurrent writer's first value wins, and a
    # different value rolls back the whole call.
    CandidateParam.objects.bulk_create(
        [CandidateParam(candidate=candidate, name=n, value=v) for n, v in params], ignore_conflicts=True
    )
    stored = dict(
        CandidateParam.objects.filter(candidate=candidate, name__in=[n for n, _ in params]).values_list(
            "name", "value"
        )
    )
    for name, value in params:
        if stored.get(name) != value:
            raise InvalidValueError(
                f"Changing param values is not allowed. Param with key='{name}' was already logged with "
                f"value='{stored.get(name)}' for run ID='{candidate.eid_hex}'. Attempted logging new value "
                f"'{value}'."
            )


def _metadata_upsert(candidate: Candidate, pairs: dict[str, str]) -> None:
    CandidateMetadata.objects.bulk_create(
        [CandidateMetadata(candidate=candidate, name=n, value=v) for n, v in sorted(pairs.items())],
        update_conflicts=True,
        unique_fields=["candidate", "name"],
        update_fields=["value"],
    )
    if RUN_NAME_TAG in pairs and pairs[RUN_NAME_TAG] != candidate.name:
        candidate.name = pairs[RUN_NAME_TAG]
        Candidate.objects.filter(pk=candidate.pk).update(name=candidate.name, updated_at=timezone.now())
