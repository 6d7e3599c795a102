"""The page of one MLflow 3 logged model (`m-<hex>`): flavors, signature, status, params, metrics, files, the
source candidate and the model versions registered from it. Looked up only inside the project of the URL."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from packages_registry.logged_model_selectors import logged_model_for_page, logged_model_latest_metrics
from projects.decorators import project_page

from . import integrations


@require_GET
@project_page()
def logged_model_detail(request, project_path, model_id):
    summary = logged_model_for_page(project=request.project, model_id=model_id)
    if summary is None:
        raise Http404("Logged model not found")
    model = summary.model
    [entry] = integrations.logged_models(project=request.project, summaries=[summary])
    files = [
        {
            "file": f,
            "url": integrations.file_url(project=request.project, package_id=model.package_id, file_id=f.pk),
        }
        for f in summary.files
    ]
    return render(
        request,
        "packages_registry/logged_model_detail.html",
        {
            "nav": "experiments",
            "project": request.project,
            "model": model,
            "summary": summary,
            "versions": entry["versions"],
            "files": files,
            "params": sorted((p.key, p.value) for p in model.params.all()),
            "tags": sorted((t.key, t.value) for t in model.tags.all()),
            "metrics": logged_model_latest_metrics(model=model),
        },
    )
