"""Small builders for registry tests: candidates, their files and MLflow 3 logged models, made through services."""

import io

import pytest
from django.core.files.storage import storages

from candidates.services import candidate_create
from experiments.services import experiment_create
from packages_registry.logged_models import logged_model_create
from packages_registry.services import candidate_package_get_or_create, package_file_upload

MLMODEL = b"flavors:\n  python_function:\n    loader_module: mlflow.pyfunc.model\n"


@pytest.fixture
def artifacts_dir(settings, tmp_path):
    """Point the `artifacts` storage at a temporary directory for one test."""
    location = tmp_path / "packages"
    settings.STORAGES = {
        **settings.STORAGES,
        "artifacts": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    storages._storages.pop("artifacts", None)
    yield location
    storages._storages.pop("artifacts", None)


def make_candidate(project, *, experiment_name="exp", name="run", params=None, metrics=None):
    from candidates.models import CandidateLatestMetric, CandidateMetric, CandidateParam
    from experiments.models import Experiment

    experiment = Experiment.objects.filter(
        project=project, name=experiment_name
    ).first() or experiment_create(project=project, name=experiment_name)
    candidate = candidate_create(experiment=experiment, name=name)
    for key, value in (params or {}).items():
        CandidateParam.objects.create(candidate=candidate, name=key, value=value)
    for key, value in (metrics or {}).items():
        CandidateMetric.objects.create(candidate=candidate, name=key, value=value, step=0, timestamp=1)
        CandidateLatestMetric.objects.create(candidate=candidate, name=key, value=value, step=0, timestamp=1)
    return candidate


def upload(package, path: str, content: bytes = b"x"):
    return package_file_upload(
        package=package, path=path, stream=io.BytesIO(content), content_length=len(content)
    )


def make_candidate_with_model_folder(project, folder="model", **kwargs):
    """A 2.x-style run: the model's files sit in a folder of the candidate's artifacts."""
    candidate = make_candidate(project, **kwargs)
    package = candidate_package_get_or_create(candidate=candidate)
    upload(package, f"{folder}/MLmodel", MLMODEL)
    upload(package, f"{folder}/python_model.pkl", b"pickle")
    upload(package, "notes.txt", b"not the model")
    return candidate


def make_logged_model(candidate, name="model"):
    """A 3.x-style logged model produced by `candidate`, with an MLmodel file."""
    logged = logged_model_create(
        project=candidate.project, experiment=candidate.experiment, name=name, source_candidate=candidate
    )
    upload(logged.package, "MLmodel", MLMODEL)
    upload(logged.package, "python_model.pkl", b"pickle")
    return logged
