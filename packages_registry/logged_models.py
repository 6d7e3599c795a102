"""Services and selectors for MLflow 3 logged models. Each logged model owns an `ml_model` package
(`ml_logged_model_<experiment iid>` @ `m-<hex>`) that holds its files; flavors and signature come from the
MLmodel file's ingestion metadata."""

import uuid
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from projects.errors import InvalidValueError, NotFoundError
from projects.models import Project

from .models import (
    LoggedModel,
    LoggedModelMetric,
    LoggedModelOutput,
    LoggedModelParam,
    LoggedModelStatus,
    LoggedModelTag,
    PackageFile,
    PackageType,
)
from .services import package_delete, package_get_or_create


def logged_model_package_name(experiment) -> str:
    return f"ml_logged_model_{experiment.iid}"


MAX_NAME_LENGTH = 500  # LoggedModel.name
MAX_MODEL_TYPE_LENGTH = 255
MAX_KEY_LENGTH = 250  # tag and param keys (MLflow's MAX_ENTITY_KEY_LENGTH)


def _length_check(value: str, limit: int, what: str) -> None:
    if len(value) > limit:
        raise InvalidValueError(f"'{what}' exceeds the maximum length of {limit} characters")


def _keys_check(pairs: dict[str, str] | None, what: str) -> None:
    for key in pairs or {}:
        if not key:
            raise InvalidValueError(f"Missing value for required parameter '{what}.key'.")
        _length_check(key, MAX_KEY_LENGTH, f"{what}.key")


def logged_model_create(
    *,
    project: Project,
    experiment,
    name: str,
    user=None,
    model_type: str = "",
    source_candidate=None,
    params: dict[str, str] | None = None,
    tags: dict[str, str] | None = None,
) -> LoggedModel:
    if not name:
        raise InvalidValueError("A logged model needs a name")
    _length_check(name, MAX_NAME_LENGTH, "name")
    _length_check(model_type or "", MAX_MODEL_TYPE_LENGTH, "model_type")
    _keys_check(params, "params")
    _keys_check(tags, "tags")
    eid = uuid.uuid4()
    with transaction.atomic():
        package = package_get_or_create(
            project=project,
            name=logged_model_package_name(experiment),
            version=f"m-{eid.hex}",
            package_type=PackageType.ML_MODEL,
        )
        model = LoggedModel.objects.create(
            project=project,
            experiment=experiment,
            eid=eid,
            name=name,
            model_type=model_type or "",
            source_candidate=source_candidate,
            package=package,
            user=user if getattr(user, "pk", None) else None,
        )
        LoggedModelParam.objects.bulk_create(
            [LoggedModelParam(logged_model=model, key=k, value=v) for k, v in (params or {}).items()]
        )
        LoggedModelTag.objects.bulk_create(
            [LoggedModelTag(logged_model=model, key=k, value=v) for k, v in (tags or {}).items()]
        )
    return model


def logged_model_finalize(*, model: LoggedModel, status: str) -> LoggedModel:
    if status not in LoggedModelStatus.values:
        raise InvalidValueError(f"Invalid logged model status: {status!r}")
    model.status = status
    model.save(update_fields=["status", "updated_at"])
    return model


def logged_model_set_tags(*, model: LoggedModel, tags: dict[str, str]) -> None:
    _keys_check(tags, "tags")
    with transaction.atomic():
        for key, value in tags.items():
            LoggedModelTag.objects.update_or_create(logged_model=model, key=key, defaults={"value": value})
        LoggedModel.objects.filter(pk=model.pk).update(updated_at=timezone.now())


def logged_model_delete_tag(*, model: LoggedModel, key: str) -> None:
    deleted, _ = LoggedModelTag.objects.filter(logged_model=model, key=key).delete()
    if not deleted:
        raise NotFoundError(f"No tag with key {key!r} on logged model {model.model_id}")


def logged_model_log_params(*, model: LoggedModel, params: dict[str, str]) -> None:
    _keys_check(params, "params")
    with transaction.atomic():
        for key, value in params.items():
            try:
                with transaction.atomic():
                    LoggedModelParam.objects.create(logged_model=model, key=key, value=value)
            except IntegrityError:
                LoggedModelParam.objects.filter(logged_model=model, key=key).update(value=value)


def logged_model_delete(*, model: LoggedModel) -> None:
    package = model.package
    with transaction.atomic():
        model.delete()
        package_delete(package=package)


def logged_model_outputs_log(*, candidate, outputs: list[tuple[str, int]]) -> None:
    """Record that `candidate` produced logged models [(model_id, step)]."""
    models = {
        m.model_id: m
        for m in logged_model_list(project=candidate.project).filter(
            eid__in=[_eid(model_id) for model_id, _ in outputs]
        )
    }
    with transaction.atomic():
        for model_id, step in outputs:
            model = models.get(model_id)
            if model is None:
                raise NotFoundError(f"Logged model with ID '{model_id}' not found.")
            LoggedModelOutput.objects.update_or_create(
                candidate=candidate, logged_model=model, defaults={"step": step}
            )


def logged_model_metrics_log(*, project: Project, candidate_id: int, metrics: Sequence[tuple]) -> None:
    """Record metric points logged with a model id as that model's metrics too.

    metrics: `(model_id, key, value, timestamp, step, dataset_name, dataset_digest)`. Ids of models this
    project does not have are skipped (the points are still in the run's history). The same point again is
    kept once, as in MLflow."""
    eids = {}
    for model_id in {m[0] for m in metrics}:
        try:
            eids[model_id] = _eid(model_id)
        except NotFoundError:
            continue
    models_by_eid = dict(
        LoggedModel.objects.filter(project=project, eid__in=list(eids.values())).values_list("eid", "pk")
    )
    rows = [
        LoggedModelMetric(
            logged_model_id=models_by_eid[eids[model_id]], candidate_id=candidate_id, key=key, value=value,
            timestamp=timestamp, step=step, dataset_name=dataset_name or "", dataset_digest=dataset_digest or "",
        )
        for model_id, key, value, timestamp, step, dataset_name, dataset_digest in metrics
        if model_id in eids and eids[model_id] in models_by_eid
    ]  # fmt: skip
    LoggedModelMetric.objects.bulk_create(rows, ignore_conflicts=True)


def _eid(model_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(model_id.removeprefix("m-"))
    except (ValueError, AttributeError) as exc:
        raise NotFoundError(f"Logged model with ID '{model_id}' not found.") from exc


# --------------------------------------------------------------------------- selectors


def logged_model_list(*, project: Project) -> QuerySet[LoggedModel]:
    return LoggedModel.objects.filter(project=project).select_related(
        "experiment", "source_candidate", "package"
    )


def logged_model_get(*, project: Project, model_id: str) -> LoggedModel:
    model = logged_model_list(project=project).filter(eid=_eid(model_id)).first()
    if model is None:
        raise NotFoundError(f"Logged model with ID '{model_id}' not found.")
    return model


def logged_model_outputs_for_candidates(*, candidate_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    """{candidate id: [(model_id, step)]} — for the run serializer's `outputs.model_outputs`."""
    result: dict[int, list[tuple[str, int]]] = {}
    rows = LoggedModelOutput.objects.filter(candidate_id__in=candidate_ids).values_list(
        "candidate_id", "logged_model__eid", "step"
    )
    for candidate_id, eid, step in rows:
        result.setdefault(candidate_id, []).append((f"m-{eid.hex}", step))
    return result


def logged_model_mlmodel(*, model: LoggedModel) -> dict:
    """The parsed MLmodel (flavors, signature) once ingested; {} before."""
    metadata = (
        PackageFile.objects.filter(package_id=model.package_id, path="MLmodel")
        .values_list("metadata", flat=True)
        .first()
    )
    return (metadata or {}).get("mlmodel", {})
