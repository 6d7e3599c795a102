"""Where a model version's files live. Versions reference files (no copy): a logged model's package, or a folder
of a candidate's artifacts package. Assay's artifact URIs (set by packages_registry and candidates) are:

    mlflow-artifacts:/<experiment iid>/<run id>/artifacts[/<path>]          a candidate's artifacts
    mlflow-artifacts:/<experiment iid>/models/<m-hex>/artifacts[/<path>]    an MLflow 3 logged model's files
"""

import re
import uuid
from dataclasses import dataclass

from candidates.models import Candidate
from packages_registry.models import LoggedModel, Package, PackageFile
from projects.models import Project

_RUN_URI = re.compile(r"^mlflow-artifacts:/+(\d+)/([0-9a-fA-F]{32})/artifacts(?:/(.*))?$")
_LOGGED_MODEL_URI = re.compile(r"^mlflow-artifacts:/+(\d+)/models/m-([0-9a-fA-F]{32})/artifacts(?:/(.*))?$")
MLMODEL = "MLmodel"


@dataclass(frozen=True)
class Location:
    """A resolved source: the candidate that produced the files and where they are."""

    uri: str
    candidate: Candidate | None = None
    logged_model: LoggedModel | None = None
    package: Package | None = None
    path: str = ""  # folder inside the package, no leading or trailing '/'


def _clean(path: str | None) -> str:
    return (path or "").strip("/")


def candidate_package(candidate: Candidate) -> Package | None:
    return Package.objects.filter(
        project_id=candidate.project_id, name=candidate.package_name, version=str(candidate.iid)
    ).first()


def logged_model_get(*, project: Project, model_id: str) -> LoggedModel | None:
    """An MLflow 3 logged model of the project by its `m-<hex>` id."""
    match = re.fullmatch(r"m-([0-9a-fA-F]{32})", model_id or "")
    if not match:
        return None
    return (
        LoggedModel.objects.select_related("experiment", "package", "source_candidate__experiment")
        .filter(project=project, eid=uuid.UUID(match[1]))
        .first()
    )


def location_for_logged_model(logged_model: LoggedModel, path: str = "") -> Location:
    uri = logged_model.artifact_uri + (f"/{_clean(path)}" if _clean(path) else "")
    return Location(
        uri=uri,
        candidate=logged_model.source_candidate,
        logged_model=logged_model,
        package=logged_model.package,
        path=_clean(path),
    )


def location_for_candidate_path(candidate: Candidate, path: str = "") -> Location:
    uri = candidate.artifact_uri + (f"/{_clean(path)}" if _clean(path) else "")
    return Location(uri=uri, candidate=candidate, package=candidate_package(candidate), path=_clean(path))


def location_for_artifact_uri(*, project: Project, uri: str) -> Location | None:
    """Resolve an `mlflow-artifacts:` URI of this project; None when it names nothing the project has."""
    if match := _LOGGED_MODEL_URI.match(uri):
        logged_model = logged_model_get(project=project, model_id=f"m-{match[2]}")
        if logged_model is None or logged_model.experiment.iid != int(match[1]):
            return None
        return location_for_logged_model(logged_model, match[3] or "")
    if match := _RUN_URI.match(uri):
        candidate = (
            Candidate.objects.select_related("experiment")
            .filter(project=project, experiment__iid=int(match[1]), eid=uuid.UUID(match[2]))
            .first()
        )
        if candidate is None:
            return None
        return location_for_candidate_path(candidate, match[3] or "")
    return None


def candidate_has_files_under(candidate: Candidate, path: str) -> bool:
    package = candidate_package(candidate)
    if package is None:
        return False
    prefix = f"{_clean(path)}/" if _clean(path) else ""
    return PackageFile.objects.filter(package=package, path__startswith=prefix).exists()


def location_for_candidate_model(candidate: Candidate) -> Location:
    """The model a candidate produced, for the promote form: its newest MLflow 3 logged model, else the
    shallowest folder of its artifacts holding an `MLmodel` file (2.x clients), else its whole artifacts root."""
    logged_model = (
        LoggedModel.objects.select_related("experiment", "package")
        .filter(source_candidate=candidate)
        .order_by("-created_at")
        .first()
    )
    if logged_model is not None:
        return location_for_logged_model(logged_model)
    package = candidate_package(candidate)
    if package is not None:
        paths = PackageFile.objects.filter(package=package, path__endswith=MLMODEL).values_list(
            "path", flat=True
        )
        folders = sorted(
            (p.rsplit("/", 1)[0] if "/" in p else "" for p in paths if p.rsplit("/", 1)[-1] == MLMODEL),
            key=lambda p: (p.count("/"), p),
        )
        if folders:
            return location_for_candidate_path(candidate, folders[0])
    return location_for_candidate_path(candidate)
