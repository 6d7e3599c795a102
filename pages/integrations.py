"""What other apps know about a candidate, for the candidate page and table: artifacts (package registry),
the CI job (ci_integration), model versions (model_registry). Each part degrades to "nothing" when its app
has no data, so the pages never depend on those apps' progress. Fixed query count per call.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from ci_integration.selectors import ci_builds_for_candidates
from model_registry.selectors import model_version_for_candidate
from packages_registry.selectors import package_directory_list, package_for_candidate


def _reverse(name: str, args: list) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _artifacts(project, candidate) -> dict:
    package = package_for_candidate(candidate=candidate)
    if package is None:
        return {"package": None, "entries": []}
    entries = package_directory_list(package=package, prefix="")
    url = _reverse("packages_registry:package_detail", [project.path, package.pk])
    return {"package": package, "entries": entries[:200], "url": url or f"/{project.path}/-/packages/"}


def _model_versions(project, candidate) -> list[dict]:
    out = []
    for version in model_version_for_candidate(candidate=candidate):
        if version.model.project_id != project.pk:
            continue
        url = _reverse("model_registry:version_detail", [project.path, version.model_id, version.pk])
        out.append({"version": version, "url": url or f"/{project.path}/-/ml/models/"})
    return out


def promote_url(*, project, candidate) -> str:
    """The model registry's promote form for this candidate ("" while the registry app is absent)."""
    url = _reverse("model_registry:promote", [project.path])
    return f"{url}?candidate={candidate.pk}" if url else ""


def candidate_extras(*, project, candidate) -> dict:
    """{'artifacts': {...}, 'ci': CiBuild | None, 'model_versions': [...], 'package_name', 'package_version'}."""
    return {
        "artifacts": _artifacts(project, candidate),
        "ci": ci_builds_for_candidates([candidate.pk]).get(candidate.pk),
        "model_versions": _model_versions(project, candidate),
        "package_name": f"ml_experiment_{candidate.experiment.iid}",
        "package_version": str(candidate.iid),
    }
