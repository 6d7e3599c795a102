"""Services and selectors for MLflow 3 logged models. Each logged model owns an `ml_model` package
(`ml_logged_model_<experiment iid>` @ `m-<hex>`) that holds its files; flavors and signature come from the
MLmodel file's ingestion metadata."""

import json
import uuid
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from projects.errors import InvalidValueError, NotFoundError
from projects.limits import keys_check, length_check
from projects.mlflow_data import LOGGED_MODEL_VERSIONS_TAG
from projects.models import Project
from projects.querying import LIST_OPS, Comparison, NextPage, OrderKey, ms_to_datetime, value_condition

from .models import (
    LoggedModel,
    LoggedModelInput,
    LoggedModelMetric,
    LoggedModelOutput,
    LoggedModelParam,
    LoggedModelStatus,
    LoggedModelTag,
    PackageType,
)
from .services import package_delete, package_get_or_create


def logged_model_package_name(experiment) -> str:
    return f"ml_logged_model_{experiment.iid}"


MAX_NAME_LENGTH = 500  # LoggedModel.name
MAX_MODEL_TYPE_LENGTH = 255


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
    length_check(name, MAX_NAME_LENGTH, "name")
    length_check(model_type or "", MAX_MODEL_TYPE_LENGTH, "model_type")
    keys_check(params, "params")
    keys_check(tags, "tags")
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
    keys_check(tags, "tags")
    with transaction.atomic():
        for key, value in tags.items():
            LoggedModelTag.objects.update_or_create(logged_model=model, key=key, defaults={"value": value})
        LoggedModel.objects.filter(pk=model.pk).update(updated_at=timezone.now())


def logged_model_versions_tag_add(*, model: LoggedModel, name: str, version: int) -> None:
    """List a registered model version made from `model` in its versions tag, as MLflow's store does (the list
    in its JSON, `json.dumps` spacing; the same version again leaves only itself, an MLflow quirk kept)."""
    with transaction.atomic():
        LoggedModel.objects.select_for_update().filter(
            pk=model.pk
        ).first()  # one writer of the list at a time
        tag = LoggedModelTag.objects.filter(logged_model=model, key=LOGGED_MODEL_VERSIONS_TAG).first()
        versions = [{"name": name, "version": version}]
        if tag is not None:
            try:
                existing = json.loads(tag.value)
            except ValueError:
                existing = None
            if isinstance(existing, list) and versions[0] not in existing:
                versions = existing + versions
        logged_model_set_tags(model=model, tags={LOGGED_MODEL_VERSIONS_TAG: json.dumps(versions)})


def logged_model_delete_tag(*, model: LoggedModel, key: str) -> None:
    deleted, _ = LoggedModelTag.objects.filter(logged_model=model, key=key).delete()
    if not deleted:
        raise NotFoundError(f"No tag with key {key!r} on logged model {model.model_id}")


def logged_model_log_params(*, model: LoggedModel, params: dict[str, str]) -> None:
    keys_check(params, "params")
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


def logged_model_inputs_log(*, candidate, model_ids: list[str]) -> None:
    """Record that `candidate` used logged models. MLflow records any id without a check; only this project's
    logged models can be linked here, so other ids are skipped (the call still succeeds, as in MLflow)."""
    eids = set()
    for model_id in model_ids:
        try:
            eids.add(_eid(model_id))
        except NotFoundError:
            continue
    model_pks = logged_model_list(project=candidate.project).filter(eid__in=eids).values_list("pk", flat=True)
    LoggedModelInput.objects.bulk_create(
        [LoggedModelInput(candidate=candidate, logged_model_id=pk) for pk in model_pks], ignore_conflicts=True
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


# --------------------------------------------------------------------------- search

# A model's metrics with their run, in the order they were logged.
_METRICS = Prefetch("metrics", queryset=LoggedModelMetric.objects.select_related("candidate").order_by("id"))
_FIELDS = {"name": "name", "model_type": "model_type", "status": "status", "created_at": "created_at",
           "updated_at": "updated_at", "eid": "eid", "source_eid": "source_candidate__eid"}  # fmt: skip


def logged_model_list_full(*, project: Project) -> QuerySet[LoggedModel]:
    """logged_model_list with tags, params and metrics prefetched (what the API returns per model)."""
    return logged_model_list(project=project).prefetch_related("tags", "params", _METRICS)


def logged_model_with_details(*, model: LoggedModel) -> LoggedModel:
    return logged_model_list_full(project=model.project).get(pk=model.pk)


def _datasets_q(datasets: Sequence[tuple[str, str]]) -> Q | None:
    """Metric points on any of these datasets `(name, digest or "")`."""
    if not datasets:
        return None
    query = Q(pk__in=[])
    for name, digest in datasets:
        one = Q(dataset_name=name)
        if digest:
            one &= Q(dataset_digest=digest)
        query |= one
    return query


def _ids(values, *, logged_model: bool) -> list[uuid.UUID]:
    out = []
    for value in values:
        try:
            out.append(uuid.UUID(str(value).removeprefix("m-") if logged_model else str(value)))
        except ValueError:
            continue
    return out


def _logged_model_q(comparison: Comparison, on_datasets: Q | None) -> Q:
    key, op, value = comparison.key, comparison.op, comparison.value
    if comparison.kind == "metric":
        # As MLflow's store: models with any point of the metric that compares true (on the given datasets).
        points = LoggedModelMetric.objects.filter(logged_model=OuterRef("pk"), key=key)
        if on_datasets is not None:
            points = points.filter(on_datasets)
        return Q(Exists(points.filter(value_condition("value", op, value))))
    if comparison.kind in ("tag", "param"):
        rows = (LoggedModelTag if comparison.kind == "tag" else LoggedModelParam).objects
        return Q(
            Exists(
                rows.filter(logged_model=OuterRef("pk"), key=key).filter(value_condition("value", op, value))
            )
        )
    if key not in _FIELDS:
        raise InvalidValueError(f"Invalid attribute in logged model search filter: {key!r}")
    if key in ("eid", "source_eid"):
        if op not in ("=", "!=", *LIST_OPS):
            raise InvalidValueError(f"'{op}' is not supported for {key}")
        values = value if op in LIST_OPS else (value,)
        condition = Q(**{f"{_FIELDS[key]}__in": _ids(values, logged_model=key == "eid")})
        return ~condition if op in ("!=", "NOT IN") else condition
    if key in ("created_at", "updated_at"):
        value = ms_to_datetime(value)
    return value_condition(_FIELDS[key], op, value)


def _latest_metric(key: OrderKey) -> Subquery:
    points = LoggedModelMetric.objects.filter(logged_model=OuterRef("pk"), key=key.key)
    if key.dataset is not None:
        name, digest = key.dataset
        if name:
            points = points.filter(dataset_name=name)
        if digest:
            points = points.filter(dataset_digest=digest)
    return Subquery(points.order_by("-timestamp", "-step", "candidate__eid").values("value")[:1])


def logged_model_search(
    *,
    project: Project,
    experiment_iids: Sequence[int] = (),
    comparisons: Sequence[Comparison] = (),
    datasets: Sequence[tuple[str, str]] = (),
    order: Sequence[OrderKey] = (),
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[LoggedModel], NextPage | None]:
    """One page of the project's logged models (in these experiments, when given) matching every comparison.

    `datasets` narrows metric comparisons to points on those datasets, or, without a metric comparison, keeps
    the models with any metric on them. Order keys: attributes (`name`, `created_at`, `updated_at`, `eid` …)
    or metrics (each model's latest point, on `key.dataset` when given; models without one last); then newest
    first.
    """
    models = logged_model_list_full(project=project)
    if experiment_iids:
        models = models.filter(experiment__iid__in=list(experiment_iids))
    on_datasets = _datasets_q(datasets)
    for comparison in comparisons:
        models = models.filter(_logged_model_q(comparison, on_datasets))
    if on_datasets is not None and not any(c.kind == "metric" for c in comparisons):
        models = models.filter(
            Exists(LoggedModelMetric.objects.filter(on_datasets, logged_model=OuterRef("pk")))
        )
    expressions = []
    for index, key in enumerate(order):
        if key.kind == "metric":
            name = f"_metric{index}"
            models = models.annotate(**{name: _latest_metric(key)})
            expressions.append(
                F(name).asc(nulls_last=True) if key.ascending else F(name).desc(nulls_last=True)
            )
            continue
        if key.key not in _FIELDS or key.key == "source_eid":
            raise InvalidValueError(f"Invalid order_by field for logged models: {key.key!r}")
        expressions.append(F(key.key).asc() if key.ascending else F(key.key).desc())
    page = list(models.order_by(*expressions, "-created_at", "-pk")[offset : offset + limit + 1])
    return page[:limit], (NextPage(offset=offset + limit) if len(page) > limit else None)
