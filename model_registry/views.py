"""Model registry pages: models list, model, model version, and the promote form."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from packages_registry.logged_model_selectors import logged_model_failed_ids
from projects.decorators import project_page, role_at_least
from projects.errors import DomainError, NotFoundError
from projects.models import Role

from . import selectors, services
from .forms import PromoteForm
from .models import Model, Stage

PAGE_SIZE = 20


def _base(request, **extra) -> dict:
    return {
        "nav": "models",
        "project": request.project,
        "can_write": role_at_least(request, Role.DEVELOPER),
        **extra,
    }


def _models_url(request) -> str:
    return f"/{request.project.path}/-/ml/models/"


def _model(request, model_id: int) -> Model:
    model = selectors.model_for_page(project=request.project, model_id=model_id)
    if model is None:
        raise Http404("Model not found")
    return model


@require_GET
@project_page()
def model_list(request, project_path):
    search = request.GET.get("q", "").strip()[: selectors.SEARCH_MAX]
    page_obj = Paginator(
        selectors.model_list_for_page(project=request.project, search=search), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    models = list(page_obj.object_list)
    latest = selectors.latest_semver_for_models(models)
    rows = [(m, latest.get(m.pk)) for m in models]
    context = _base(request, rows=rows, page_obj=page_obj, search=search)
    return render(request, "model_registry/model_list.html", context)


@require_GET
@project_page()
def model_detail(request, project_path, model_id):
    model = _model(request, model_id)
    page_obj = Paginator(selectors.model_versions_for_page(model=model), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = _base(
        request,
        model=model,
        page_obj=page_obj,
        versions=list(page_obj.object_list),
        aliases=list(model.aliases.select_related("version")),
        tags=list(model.metadata.order_by("name")[: selectors.PAGE_TAGS_LIMIT]),
    )
    return render(request, "model_registry/model_detail.html", context)


@require_GET
@project_page()
def model_version_detail(request, project_path, model_id, version_id):
    model = _model(request, model_id)
    mv = selectors.model_version_for_page(model=model, version_id=version_id)
    if mv is None:
        raise Http404("Model version not found")
    files, files_total = selectors.model_version_files(
        version=mv, download_base=f"/api/v4/projects/{request.project.pk}/ml/mlflow"
    )
    context = _base(
        request,
        model=model,
        version=mv,
        files=files,
        files_total=files_total,
        lineage=selectors.candidate_lineage(candidate=mv.candidate),
        aliases=sorted(a.name for a in mv.aliases.all()),
        tags=list(mv.metadata.order_by("name")[: selectors.PAGE_TAGS_LIMIT]),
        stages=Stage.values,
        # A version registered from a logged model whose upload failed cannot be loaded (issue 14).
        logged_model_failed=bool(
            logged_model_failed_ids(project=request.project, model_ids=[mv.logged_model_id])
        ),
    )
    return render(request, "model_registry/model_version_detail.html", context)


@require_http_methods(["GET", "POST"])
@project_page(Role.DEVELOPER)
def model_version_promote(request, project_path):
    """GET /<project>/-/ml/models/promote?candidate=<id> (the candidate page links here); POST promotes."""
    try:
        candidate = selectors.candidate_for_promote(
            project=request.project,
            candidate_id=request.POST.get("candidate") or request.GET.get("candidate", ""),
        )
    except NotFoundError as exc:
        raise Http404("Candidate not found") from exc
    initial_model = request.GET.get("model")
    if not initial_model and request.method == "GET":
        # Preselect the model the candidate most likely belongs to (its `[model]` experiment, where versions of
        # its experiment went, or a model named like it); the user can still pick another or a new one.
        suggested = selectors.model_suggest_for_candidate(candidate=candidate)
        initial_model = suggested.pk if suggested is not None else None
    form = PromoteForm(request.POST or None, project=request.project, initial={"model": initial_model})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            mv = services.model_version_promote(
                candidate=candidate,
                model=data["model"],
                new_model_name=data["new_model_name"],
                semver=data["version"],
                description=data["description"],
                user=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Promoted {candidate} to {mv.model.name} {mv.semver}.")
            return redirect(f"{_models_url(request)}{mv.model_id}/versions/{mv.pk}/")
    models = list(form.fields["model"].queryset)
    suggestions = selectors.semver_suggestions(models=models)
    chosen = str(form["model"].value() or "")
    model_options = [
        {"pk": m.pk, "name": m.name, "suggest": suggestions[str(m.pk)], "selected": str(m.pk) == chosen}
        for m in models
    ]
    context = _base(
        request,
        candidate=candidate,
        form=form,
        model_options=model_options,
        new_model_suggestion="1.0.0",
        existing=selectors.model_version_for_candidate(candidate=candidate),
    )
    return render(request, "model_registry/promote.html", context)
