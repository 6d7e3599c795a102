"""Writes for experiments: create, rename, delete/restore, metadata (MLflow experiment tags)."""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from projects.errors import AlreadyExistsError, InvalidValueError, NotFoundError
from projects.mlflow_data import NOTE_TAG
from projects.models import Project
from projects.services import internal_id_next

from .models import Experiment, ExperimentMetadata, Lifecycle

MAX_NAME_LENGTH = 500
MAX_METADATA_NAME_LENGTH = 250
MAX_METADATA_VALUE_LENGTH = 20000
DEFAULT_EXPERIMENT_NAME = "Default"


def experiment_name_check(name) -> str:
    if not isinstance(name, str) or name == "":
        raise InvalidValueError(f"Invalid experiment name: '{name if name is not None else ''}'")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidValueError(f"'name' exceeds the maximum length of {MAX_NAME_LENGTH} characters")
    return name


def experiment_metadata_check(name: str, value: str) -> None:
    if not name:
        raise InvalidValueError("Missing value for required parameter 'key'.")
    if len(name) > MAX_METADATA_NAME_LENGTH:
        raise InvalidValueError(f"'key' exceeds the maximum length of {MAX_METADATA_NAME_LENGTH} characters")
    if value is not None and len(value) > MAX_METADATA_VALUE_LENGTH:
        raise InvalidValueError(
            f"'value' exceeds the maximum length of {MAX_METADATA_VALUE_LENGTH} characters"
        )


def _already_exists(name: str) -> AlreadyExistsError:
    return AlreadyExistsError(f"Experiment(name={name}) already exists.")


def experiment_create(
    *,
    project: Project,
    name: str,
    user=None,
    metadata: Iterable[tuple[str, str]] = (),
    iid: int | None = None,
) -> Experiment:
    """Create an experiment; a taken name (also by a concurrent request) raises AlreadyExistsError."""
    experiment_name_check(name)
    pairs = dict(metadata)
    for key, value in pairs.items():
        experiment_metadata_check(key, value)
    if Experiment.objects.filter(project=project, name=name).exists():
        raise _already_exists(name)
    try:
        with transaction.atomic():
            if iid is None:
                used = Experiment.objects.filter(project=project)
                iid = internal_id_next(scope="experiment", scope_id=project.pk, used=used)
            experiment = Experiment.objects.create(project=project, iid=iid, name=name, user=user)
            ExperimentMetadata.objects.bulk_create(
                ExperimentMetadata(experiment=experiment, name=k, value=v) for k, v in pairs.items()
            )
    except IntegrityError as exc:
        # The unique (project, name) constraint decides a race between two creators; any other conflict (an iid
        # given by the caller) is not a taken name and must not be reported as one.
        if Experiment.objects.filter(project=project, name=name).exists():
            raise _already_exists(name) from exc
        raise
    return experiment


def experiment_default_ensure(*, project: Project) -> Experiment | None:
    """MLflow clients fall back to experiment "0" ("Default"); create it on first use, like the reference."""
    existing = Experiment.objects.filter(project=project, iid=0).first()
    if existing is not None:
        return existing
    try:
        return experiment_create(project=project, name=DEFAULT_EXPERIMENT_NAME, iid=0)
    except AlreadyExistsError:
        return Experiment.objects.filter(project=project, iid=0).first()


def experiment_rename(*, experiment: Experiment, name: str) -> Experiment:
    experiment_name_check(name)
    if experiment.lifecycle != Lifecycle.ACTIVE:
        raise InvalidValueError("Cannot rename a non-active experiment.")
    if name == experiment.name:
        return experiment
    if Experiment.objects.filter(project_id=experiment.project_id, name=name).exists():
        raise _already_exists(name)
    try:
        with transaction.atomic():
            Experiment.objects.filter(pk=experiment.pk).update(name=name, updated_at=timezone.now())
    except IntegrityError as exc:
        raise _already_exists(name) from exc
    experiment.name = name
    return experiment


def _lifecycle_set(experiment: Experiment, lifecycle: str) -> Experiment:
    """The experiment and every candidate of it move to `lifecycle` together, as MLflow's SqlAlchemyStore does in
    delete_experiment/restore_experiment: a run of a deleted experiment is deleted (logging to it is refused), and
    restoring the experiment restores all its runs, also one deleted on its own before."""
    with transaction.atomic():
        experiment.lifecycle = lifecycle
        experiment.save(update_fields=["lifecycle", "updated_at"])
        experiment.candidates.exclude(lifecycle=lifecycle).update(
            lifecycle=lifecycle, updated_at=timezone.now()
        )
    return experiment


def experiment_delete(*, experiment: Experiment) -> Experiment:
    """Soft delete (MLflow's lifecycle_stage 'deleted') of the experiment and its candidates; both stay readable."""
    if experiment.iid == 0:
        raise InvalidValueError(
            "Cannot delete the default experiment '0'. This is an internally reserved ID."
        )
    return _lifecycle_set(experiment, Lifecycle.DELETED)


def experiment_restore(*, experiment: Experiment) -> Experiment:
    return _lifecycle_set(experiment, Lifecycle.ACTIVE)


def experiment_metadata_set(*, experiment: Experiment, name: str, value: str) -> None:
    experiment_metadata_check(name, value)
    if experiment.lifecycle != Lifecycle.ACTIVE:
        raise InvalidValueError(
            f"The experiment {experiment.iid} must be in the 'active' state. Current state is deleted."
        )
    with transaction.atomic():
        ExperimentMetadata.objects.bulk_create(
            [ExperimentMetadata(experiment=experiment, name=name, value=value)],
            update_conflicts=True,
            unique_fields=["experiment", "name"],
            update_fields=["value"],
        )
        Experiment.objects.filter(pk=experiment.pk).update(updated_at=timezone.now())


def experiment_metadata_delete(*, experiment: Experiment, name: str) -> None:
    if experiment.lifecycle != Lifecycle.ACTIVE:
        raise InvalidValueError(
            f"The experiment {experiment.iid} must be in the 'active' state. Current state is deleted."
        )
    deleted, _ = ExperimentMetadata.objects.filter(experiment=experiment, name=name).delete()
    if not deleted:
        raise NotFoundError(f"No tag with name: {name} in experiment with id {experiment.iid}")


def experiment_description_set(*, experiment: Experiment, description: str) -> None:
    """The description is MLflow's `mlflow.note.content` tag (what the MLflow UI edits too); empty removes it."""
    if description:
        experiment_metadata_set(experiment=experiment, name=NOTE_TAG, value=description)
        return
    if experiment.lifecycle != Lifecycle.ACTIVE:
        raise InvalidValueError(
            f"The experiment {experiment.iid} must be in the 'active' state. Current state is deleted."
        )
    ExperimentMetadata.objects.filter(experiment=experiment, name=NOTE_TAG).delete()
    Experiment.objects.filter(pk=experiment.pk).update(updated_at=timezone.now())
