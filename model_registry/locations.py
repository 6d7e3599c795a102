"""Where a model version's files live. Versions reference files (no copy): a logged model's package, or a folder
of a candidate's artifacts package. Artifact URIs are projects.mlflow_data's (a candidate's artifacts root, an
MLflow 3 logged model's files, each with an optional sub-path).

version_source_resolve(*, project, source, run_hex, model_id) resolves a new version's source to a Location.
"""

import re
import uuid
from dataclasses import dataclass
from urllib.parse import urlparse

from candidates.models import Candidate
from packages_registry.models import LoggedModel, Package, PackageFile
from projects.errors import InvalidValueError
from projects.mlflow_data import (
    ARTIFACTS_SCHEME,
    LOGGED_MODEL_ARTIFACT_URI,
    RUN_ARTIFACT_URI,
    RUN_ID_PARAMETER,
)
from projects.models import Project

from . import selectors

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
    """Resolve an artifact URI of this project; None when it names nothing the project has."""
    if match := LOGGED_MODEL_ARTIFACT_URI.match(uri):
        logged_model = logged_model_get(project=project, model_id=f"m-{match[2]}")
        if logged_model is None or logged_model.experiment.iid != int(match[1]):
            return None
        return location_for_logged_model(logged_model, match[3] or "")
    if match := RUN_ARTIFACT_URI.match(uri):
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


# --------------------------------------------------------------------------- a new version's source


def _source_error(source: str, key: str) -> InvalidValueError:
    return InvalidValueError(
        f"Invalid model version source: '{source}'. The {key} request parameter must identify the resource "
        "that contains the source."
    )


def _run_candidate(project: Project, run_hex: str, source: str):
    candidate = None
    if re.fullmatch(r"[0-9a-fA-F]{32}", run_hex or ""):  # MLflow's run id: the candidate's eid as hex
        candidate = project.candidates.select_related("experiment").filter(eid=run_hex.lower()).first()
    if candidate is None:
        raise _source_error(source, RUN_ID_PARAMETER)
    return candidate


def version_source_resolve(
    *, project: Project, source: str, run_hex: str, model_id: str
) -> tuple[str, Location | None, str]:
    """(normalised source, where the files are, source candidate's eid hex) of a new model version's `source`
    (a `runs:/`, `models:/`, artifact-scheme or foreign URI), checked against the run (`run_hex`) and `model_id`
    when given; anything the project does not have, or that contradicts them, is an InvalidValueError with
    MLflow's message."""
    if ".." in source.split("/") or "\x00" in source:
        raise InvalidValueError(
            f"Invalid model version source: '{source}'. Relative path references are not allowed."
        )
    parsed = urlparse(source)
    if parsed.scheme in ("", "file"):
        raise InvalidValueError(
            f"Invalid model version source: '{source}'. Local paths cannot be registered."
        )
    if model_id:
        logged_model = logged_model_get(project=project, model_id=model_id)
        if logged_model is None:
            raise _source_error(source, "model_id")
        if source.rstrip("/") == f"models:/{model_id}":
            location = location_for_logged_model(logged_model)
        else:
            location = location_for_artifact_uri(project=project, uri=source)
            if location is None or location.logged_model != logged_model:
                raise _source_error(source, "model_id")
        return source, location, run_hex or (location.candidate.eid_hex if location.candidate else "")
    if parsed.scheme == "runs":
        match = re.fullmatch(r"runs:/([^/]+)/?(.*)", source)
        if parsed.netloc or not match or (run_hex and run_hex != match[1]):
            raise _source_error(source, RUN_ID_PARAMETER)
        candidate = _run_candidate(project, match[1], source)
        path = match[2].strip("/")
        if candidate_has_files_under(candidate, path) or not path:
            return source, location_for_candidate_path(candidate, path), candidate.eid_hex
        logged = candidate.logged_models.select_related("experiment", "package").filter(name=path).last()
        if logged is not None:
            return source, location_for_logged_model(logged), candidate.eid_hex
        return source, Location(uri=source, candidate=candidate), candidate.eid_hex
    if parsed.scheme == "models":
        if re.fullmatch(r"models:/m-[0-9a-fA-F]{32}/?", source):
            raise _source_error(source, "model_id")
        return _source_from_version(project, source, run_hex)
    if parsed.scheme == ARTIFACTS_SCHEME:
        location = location_for_artifact_uri(project=project, uri=source)
        if location is None or location.candidate is None:
            raise _source_error(source, RUN_ID_PARAMETER)
        if run_hex and location.candidate.eid_hex != run_hex:
            raise _source_error(source, RUN_ID_PARAMETER)
        return source, location, location.candidate.eid_hex
    # Any other store (s3://, gs://, http…): kept as given; the run, when named, must exist.
    candidate = _run_candidate(project, run_hex, source) if run_hex else None
    return source, Location(uri=source, candidate=candidate), run_hex


def _source_from_version(project: Project, source: str, run_hex: str) -> tuple[str, Location, str]:
    match = re.fullmatch(r"models:/([^/@]+)(?:/([^/]+)|@([^/]+))/?", source)
    if not match:
        raise InvalidValueError(f"Invalid model version source: '{source}'.")
    model = selectors.model_get_for_project(project=project, name=match[1])
    if match[3]:
        origin = selectors.model_version_get_by_alias(model=model, alias=match[3])
    elif match[2].lower() == "latest":
        latest = selectors.latest_versions(selectors.model_with_details(model=model))
        if not latest:
            raise InvalidValueError(f"Registered model {model.name} has no versions.")
        origin = max(latest, key=lambda v: v.version)
    else:
        origin = selectors.model_version_get(model=model, version=match[2])
    if run_hex and origin.candidate_eid_hex and run_hex != origin.candidate_eid_hex:
        raise InvalidValueError(
            f"Invalid model version source: '{source}'. The {RUN_ID_PARAMETER} must match the referenced model version."
        )
    location = Location(
        uri=origin.storage_location or origin.source,
        candidate=origin.candidate,
        package=origin.package,
        path=origin.package_path,
    )
    return f"models:/{model.name}/{origin.version}", location, run_hex or origin.candidate_eid_hex
