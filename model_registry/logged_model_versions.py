"""Model versions registered from MLflow 3 logged models, for the pages that show a logged model."""

from __future__ import annotations

from projects.models import Project

from .models import ModelVersion


def model_versions_for_logged_models(
    *, project: Project, model_ids: list[str]
) -> dict[str, list[ModelVersion]]:
    """{logged model id (`m-<hex>`): its registered versions, oldest first} within the project: 1 query (none
    without ids). At most 50 versions per call (a model is rarely registered more than a few times)."""
    if not model_ids:
        return {}
    out: dict[str, list[ModelVersion]] = {}
    versions = (
        ModelVersion.objects.filter(model__project=project, logged_model_id__in=model_ids)
        .select_related("model")
        .order_by("created_at", "pk")[:50]
    )
    for version in versions:
        out.setdefault(version.logged_model_id, []).append(version)
    return out
