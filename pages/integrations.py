"""What other apps know about a candidate, for the candidate page and table: artifacts (package registry),
the CI job (ci_integration), model versions (model_registry). Each part degrades to "nothing" when its app
has no data, so the pages never depend on those apps' progress. Fixed query count per call.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from ci_integration.selectors import ci_builds_for_candidates
from model_registry.logged_model_versions import model_versions_for_logged_models
from model_registry.selectors import model_version_for_candidate
from packages_registry.artifact_browser import artifact_tree
from packages_registry.images import image_series_for_candidate
from packages_registry.logged_model_selectors import LoggedModelSummary, logged_models_for_candidate
from packages_registry.selectors import package_for_candidate


def _reverse(name: str, args: list) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _artifacts(project, candidate) -> dict:
    """The package, its file tree and image series: 3 queries (1 when nothing was logged)."""
    package = package_for_candidate(candidate=candidate)
    if package is None:
        return {"package": None, "tree": artifact_tree(package=None), "series": [], "series_cut": False}
    url = _reverse("packages_registry:package_detail", [project.path, package.pk])
    series, series_cut = image_series_for_candidate(package=package)
    return {
        "package": package,
        "tree": artifact_tree(package=package),
        "url": url or f"/{project.path}/-/packages/",
        "series": series,
        "series_cut": series_cut,
    }


def file_url(*, project, package_id: int, file_id: int, inline: bool = False) -> str:
    """A package file's download (or, `inline`, browser display under the registry's inline policy)."""
    url = _reverse("packages_registry:package_file_download", [project.path, package_id, file_id])
    return f"{url}?inline=1" if url and inline else url


def logged_models(*, project, summaries: list[LoggedModelSummary]) -> list[dict]:
    """Each logged model with its page URL and the model versions registered from it: 1 query."""
    versions = model_versions_for_logged_models(
        project=project, model_ids=[s.model.model_id for s in summaries]
    )
    out = []
    for summary in summaries:
        registered = [
            {"version": v, "url": _reverse("model_registry:version_detail", [project.path, v.model_id, v.pk])}
            for v in versions.get(summary.model.model_id, [])
        ]
        out.append(
            {
                "summary": summary,
                "url": _reverse("logged_models:logged_model_detail", [project.path, summary.model.model_id]),
                "versions": registered,
            }
        )
    return out


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
    """{'artifacts': {...}, 'logged_models': [...], 'ci': CiBuild | None, 'model_versions': [...],
    'package_name', 'package_version'}."""
    return {
        "artifacts": _artifacts(project, candidate),
        "logged_models": logged_models(
            project=project, summaries=logged_models_for_candidate(candidate=candidate)
        ),
        "ci": ci_builds_for_candidates([candidate.pk]).get(candidate.pk),
        "model_versions": _model_versions(project, candidate),
        "package_name": f"ml_experiment_{candidate.experiment.iid}",
        "package_version": str(candidate.iid),
    }
