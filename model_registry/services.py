"""Writes for registered models and versions. One transaction each; domain errors from projects.errors."""

import re

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from candidates.models import Candidate
from candidates.services import candidate_create
from experiments.models import Experiment
from experiments.services import experiment_create
from packages_registry.logged_models import logged_model_versions_tag_add
from packages_registry.models import Package
from packages_registry.services import package_delete
from projects.errors import AlreadyExistsError, InvalidValueError, NotFoundError
from projects.models import Project

from .locations import Location
from .models import (
    MODEL_EXPERIMENT_PREFIX,
    Model,
    ModelAlias,
    ModelMetadata,
    ModelVersion,
    ModelVersionMetadata,
    Stage,
)
from .semver import SEMVER_RE, semver_next

SEMVER_TAG = "gitlab.version"
NAME_MAX = 255
# Aliases that look like versions would make `models:/<name>@<alias>` ambiguous (MLflow refuses them too).
ALIAS_RE = re.compile(r"^[A-Za-z0-9_\-]+$")
RESERVED_ALIAS_RE = re.compile(r"^(v\d+|latest)$", re.IGNORECASE)


# --------------------------------------------------------------------------- models


def _validate_model_name(*, project: Project, name: str, exclude_pk: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidValueError("Registered model name cannot be empty.")
    if len(name) > NAME_MAX:
        raise InvalidValueError(f"Registered model name exceeds the maximum length of {NAME_MAX}.")
    if "/" in name or name.startswith(MODEL_EXPERIMENT_PREFIX):
        raise InvalidValueError(f"Invalid registered model name {name!r}: '/' and '[model]' are not allowed.")
    # GitLab's rule: a model may not take an experiment's name (the UI lists both side by side).
    if Experiment.objects.filter(project=project, name=name).exists():
        raise InvalidValueError(f"Invalid registered model name {name!r}: an experiment has that name.")
    others = Model.objects.filter(project=project, name=name)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise AlreadyExistsError(f"Registered Model (name={name}) already exists.")
    return name


def _model_experiment_get_or_create(*, project: Project, name: str, user=None) -> Experiment:
    exp_name = MODEL_EXPERIMENT_PREFIX + name
    existing = Experiment.objects.filter(project=project, name=exp_name).first()
    if existing is not None:
        return existing
    return experiment_create(project=project, name=exp_name, user=user)


@transaction.atomic
def model_create(
    *, project: Project, name: str, description: str = "", tags: dict[str, str] | None = None, user=None
) -> Model:
    """Create a model and its `[model]<name>` experiment; AlreadyExistsError on a taken name."""
    name = _validate_model_name(project=project, name=name)
    try:
        with transaction.atomic():
            model = Model.objects.create(project=project, name=name, description=description or "", user=user)
    except IntegrityError as exc:  # a concurrent create won the race
        raise AlreadyExistsError(f"Registered Model (name={name}) already exists.") from exc
    model.experiment = _model_experiment_get_or_create(project=project, name=name, user=user)
    model.save(update_fields=["experiment"])
    for key, value in (tags or {}).items():
        _validate_key(key)
        ModelMetadata.objects.create(model=model, name=key, value=value or "")
    return model


@transaction.atomic
def model_rename(*, model: Model, new_name: str) -> Model:
    new_name = _validate_model_name(project=model.project, name=new_name, exclude_pk=model.pk)
    model.name = new_name
    model.save(update_fields=["name", "updated_at"])
    if model.experiment_id is not None:
        exp_name = MODEL_EXPERIMENT_PREFIX + new_name
        if not Experiment.objects.filter(project=model.project, name=exp_name).exists():
            Experiment.objects.filter(pk=model.experiment_id).update(name=exp_name, updated_at=timezone.now())
    return model


def model_update(*, model: Model, description: str | None) -> Model:
    if description is not None:
        model.description = description
    model.save(update_fields=["description", "updated_at"])
    return model


@transaction.atomic
def model_delete(*, model: Model) -> None:
    """Delete the model, its versions, aliases and tags, and its `[model]` experiment (GitLab does the same).

    Source candidates in other experiments are untouched.
    """
    experiment = model.experiment
    model.delete()
    if experiment is not None:
        # Hard delete, as GitLab destroys a model's default experiment (its traces with it); then the packages
        # that held its candidates' artifacts, logged models and traces, which reference the experiment by name.
        names = [
            f"ml_experiment_{experiment.iid}",
            f"ml_logged_model_{experiment.iid}",
            f"ml_trace_{experiment.iid}",
        ]
        experiment.delete()
        for package in Package.objects.filter(project_id=experiment.project_id, name__in=names):
            package_delete(package=package)


def _touch(model: Model) -> None:
    Model.objects.filter(pk=model.pk).update(updated_at=timezone.now())


def _validate_key(key: str) -> None:
    if not key or len(key) > 250:
        raise InvalidValueError("Tag key must be 1 to 250 characters.")


def model_tag_set(*, model: Model, key: str, value: str) -> None:
    _validate_key(key)
    ModelMetadata.objects.update_or_create(model=model, name=key, defaults={"value": value or ""})
    _touch(model)


def model_tag_delete(*, model: Model, key: str) -> None:
    deleted, _ = ModelMetadata.objects.filter(model=model, name=key).delete()
    if not deleted:
        raise NotFoundError(f"Registered model tag with name={model.name}, key={key} not found")
    _touch(model)


def _validate_alias(alias: str) -> None:
    if not alias or len(alias) > 255 or not ALIAS_RE.match(alias):
        raise InvalidValueError(f"Invalid alias {alias!r}: use letters, digits, '_' and '-'.")
    if RESERVED_ALIAS_RE.match(alias):
        raise InvalidValueError(f"Alias {alias!r} is reserved (it reads like a version).")


def model_alias_set(*, model: Model, alias: str, version: ModelVersion) -> ModelAlias:
    """Point `alias` at `version`, moving it if it already points elsewhere."""
    _validate_alias(alias)
    row, _ = ModelAlias.objects.update_or_create(model=model, name=alias, defaults={"version": version})
    _touch(model)
    return row


def model_alias_delete(*, model: Model, alias: str) -> None:
    # MLflow deletes a missing alias silently.
    ModelAlias.objects.filter(model=model, name=alias).delete()
    _touch(model)


# --------------------------------------------------------------------------- versions


def semver_suggest(*, model: Model | None) -> str:
    if model is None:
        return "1.0.0"
    return semver_next(
        semvers=list(model.versions.values_list("semver", flat=True)), last_version=model.last_version
    )


def _semver_validate(*, model: Model, semver: str) -> str:
    semver = semver.strip()
    if not SEMVER_RE.match(semver):
        raise InvalidValueError(f"Version {semver!r} is not SemVer (MAJOR.MINOR.PATCH, e.g. 1.2.0).")
    if model.versions.filter(semver=semver).exists():
        raise AlreadyExistsError(f"Model {model.name} already has a version {semver}.")
    return semver


def _candidate_for_version(*, model: Model, semver: str, user=None) -> Candidate:
    """GitLab's convention: a version without a source run gets a fresh candidate in `[model]<name>`, so params,
    metrics and files can be logged to the version through its candidate."""
    if model.experiment_id is None:
        model.experiment = _model_experiment_get_or_create(project=model.project, name=model.name, user=user)
        model.save(update_fields=["experiment"])
    return candidate_create(experiment=model.experiment, user=user, name=f"{model.name} {semver}")


@transaction.atomic
def model_version_create(
    *,
    model: Model,
    location: Location | None = None,
    candidate: Candidate | None = None,
    candidate_eid_hex: str = "",
    source: str = "",
    description: str = "",
    tags: dict[str, str] | None = None,
    semver: str = "",
    run_link: str = "",
    user=None,
) -> ModelVersion:
    """Register a new version of `model`.

    `location` says where the files are (referenced, not copied) and, usually, which candidate produced them;
    `candidate`/`candidate_eid_hex` name the source candidate explicitly. Without any, a candidate is created in
    the model's experiment (GitLab's convention), so the version has a candidate to log to. `semver` (or the `gitlab.version` tag) sets the
    displayed SemVer; otherwise it is the next major.
    """
    tags = dict(tags or {})
    if location is not None and candidate is None:
        candidate = location.candidate
    for key in tags:
        _validate_key(key)
    if candidate is not None and candidate.project_id != model.project_id:
        raise NotFoundError(f"Run with id={candidate.eid_hex} not found")
    # Lock the model row so concurrent creates get distinct numbers.
    locked = Model.objects.select_for_update().get(pk=model.pk)
    semver = semver or tags.get(SEMVER_TAG, "")
    semver = _semver_validate(model=locked, semver=semver) if semver else semver_suggest(model=locked)
    if candidate is None and not candidate_eid_hex:
        candidate = _candidate_for_version(model=locked, semver=semver, user=user)
    Model.objects.filter(pk=locked.pk).update(last_version=F("last_version") + 1, updated_at=timezone.now())
    locked.refresh_from_db(fields=["last_version", "updated_at"])
    if candidate is not None:
        candidate_eid_hex = candidate.eid_hex
    version = ModelVersion.objects.create(
        model=locked,
        version=locked.last_version,
        semver=semver,
        description=description or "",
        candidate=candidate,
        candidate_eid_hex=candidate_eid_hex or "",
        source=source or "",
        storage_location=location.uri if location is not None else source or "",
        logged_model_id=location.logged_model.model_id if location and location.logged_model else "",
        package=location.package if location is not None else None,
        package_path=location.path if location is not None else "",
        run_link=run_link or "",
        user=user,
    )
    ModelVersionMetadata.objects.bulk_create(
        [ModelVersionMetadata(version=version, name=k, value=v or "") for k, v in tags.items()]
    )
    if location is not None and location.logged_model is not None:
        logged_model_versions_tag_add(model=location.logged_model, name=locked.name, version=version.version)
    model.last_version = locked.last_version
    return version


def model_version_update(*, version: ModelVersion, description: str | None) -> ModelVersion:
    if description is not None:
        version.description = description
    version.save(update_fields=["description", "updated_at"])
    _touch(version.model)
    return version


@transaction.atomic
def model_version_delete(*, version: ModelVersion) -> None:
    """Delete a version (its aliases go with it); its number is not reused. The files it referenced stay with
    their owner (the candidate or the logged model)."""
    model = version.model
    version.delete()
    _touch(model)


def model_version_tag_set(*, version: ModelVersion, key: str, value: str) -> None:
    _validate_key(key)
    ModelVersionMetadata.objects.update_or_create(version=version, name=key, defaults={"value": value or ""})
    ModelVersion.objects.filter(pk=version.pk).update(updated_at=timezone.now())


def model_version_tag_delete(*, version: ModelVersion, key: str) -> None:
    deleted, _ = ModelVersionMetadata.objects.filter(version=version, name=key).delete()
    if not deleted:
        raise NotFoundError(
            f"Model version tag with name={version.model.name}, version={version.version}, key={key} not found"
        )


@transaction.atomic
def model_version_stage_set(
    *, version: ModelVersion, stage: str, archive_existing: bool = False
) -> ModelVersion:
    """MLflow's deprecated stages; accepted so older clients keep working."""
    by_lower = {s.value.lower(): s.value for s in Stage}
    if (stage or "").lower() not in by_lower:
        raise InvalidValueError(
            f"Invalid Model Version stage: {stage}. Value must be one of {list(by_lower.values())}."
        )
    stage = by_lower[stage.lower()]
    if archive_existing and stage in (Stage.STAGING, Stage.PRODUCTION):
        ModelVersion.objects.filter(model=version.model, stage=stage).exclude(pk=version.pk).update(
            stage=Stage.ARCHIVED, updated_at=timezone.now()
        )
    version.stage = stage
    version.save(update_fields=["stage", "updated_at"])
    _touch(version.model)
    return version


@transaction.atomic
def model_version_promote(
    *,
    candidate: Candidate,
    model: Model | None = None,
    new_model_name: str = "",
    semver: str = "",
    description: str = "",
    user=None,
) -> ModelVersion:
    """The candidate page's "Promote to model version": into an existing model or a new one. The version
    references the model the candidate produced (see locations.location_for_candidate_model)."""
    from .locations import location_for_candidate_model

    if model is None:
        model = model_create(project=candidate.project, name=new_model_name, user=user)
    elif model.project_id != candidate.project_id:
        raise NotFoundError("Model not found")
    location = location_for_candidate_model(candidate)
    source = f"models:/{location.logged_model.model_id}" if location.logged_model else location.uri
    return model_version_create(
        model=model,
        location=location,
        candidate=candidate,
        source=source,
        semver=semver,
        description=description,
        user=user,
    )
