"""Model registry edit pages: a model's and a version's description and tags, aliases, stage, and deletes (each
with a confirm page). Every write asks for the role the MLflow API asks for the same action (developer: every
registry write is `write=True` there) and reaches the model through the project the viewer may see."""

import functools

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from projects.decorators import project_page
from projects.errors import DomainError
from projects.models import Role

from . import selectors, services
from .forms import AliasForm, ModelEditForm, StageForm, TagForm, VersionEditForm
from .models import Model, ModelVersion


def _base(request, **extra) -> dict:
    return {"nav": "models", "project": request.project, "can_write": True, **extra}


def _models_url(request) -> str:
    return f"/{request.project.path}/-/ml/models/"


def _model_url(request, model: Model) -> str:
    return f"{_models_url(request)}{model.pk}/"


def _version_url(request, version: ModelVersion) -> str:
    return f"{_models_url(request)}{version.model_id}/versions/{version.pk}/"


def _model(request, model_id: int) -> Model:
    model = selectors.model_for_page(project=request.project, model_id=model_id)
    if model is None:
        raise Http404("Model not found")
    return model


def _version(request, model_id: int, version_id: int) -> ModelVersion:
    model = _model(request, model_id)
    version = selectors.model_version_for_page(model=model, version_id=version_id)
    if version is None:
        raise Http404("Model version not found")
    version.model = model  # already loaded through the project
    return version


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        for error in errors:
            messages.error(request, f"{field}: {error}" if field != "__all__" else error)


def _tag_form_apply(request, write) -> None:
    """A tag form (key, value) written by `write(key=..., value=...)`; errors and success as messages."""
    form = TagForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return
    try:
        write(key=form.cleaned_data["key"], value=form.cleaned_data["value"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Set tag {form.cleaned_data['key']}.")


def _tag_delete_apply(request, delete) -> None:
    """Remove the posted tag key through `delete(key=...)`; the outcome as a message."""
    key = request.POST.get("key", "")
    try:
        delete(key=key)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Removed tag {key}.")


def _back(request, fallback: str) -> str:
    """Where a small form (alias, tag, stage) returns: its `next` if it is a path of this site, else `fallback`.
    (`/\\evil.example` passes a bare startswith("/") check, and browsers read it as `//evil.example`.)"""
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    return target if safe and target.startswith("/") else fallback


# --------------------------------------------------------------------------- models


@require_http_methods(["GET", "POST"])
@project_page(Role.DEVELOPER)
def model_edit(request, project_path, model_id):
    """Name and description; the tags below post to their own URLs."""
    model = _model(request, model_id)
    form = ModelEditForm(request.POST or None, initial={"name": model.name, "description": model.description})
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["name"] != model.name:
                services.model_rename(model=model, new_name=form.cleaned_data["name"])
            services.model_update(model=model, description=form.cleaned_data["description"])
        except DomainError as exc:
            form.add_error("name", exc.message)
        else:
            messages.success(request, f"Saved model {model.name}.")
            return redirect(_model_url(request, model))
        model.refresh_from_db()
    context = _base(
        request,
        model=model,
        form=form,
        tags=list(model.metadata.order_by("name")[: selectors.PAGE_TAGS_LIMIT]),
        tag_set_url=f"{_model_url(request, model)}tags/set",
        tag_delete_url=f"{_model_url(request, model)}tags/delete",
    )
    return render(request, "model_registry/model_edit.html", context)


@require_POST
@project_page(Role.DEVELOPER)
def model_tag_set(request, project_path, model_id):
    model = _model(request, model_id)
    _tag_form_apply(request, functools.partial(services.model_tag_set, model=model))
    return redirect(f"{_model_url(request, model)}edit/")


@require_POST
@project_page(Role.DEVELOPER)
def model_tag_delete(request, project_path, model_id):
    model = _model(request, model_id)
    _tag_delete_apply(request, functools.partial(services.model_tag_delete, model=model))
    return redirect(f"{_model_url(request, model)}edit/")


@require_POST
@project_page(Role.DEVELOPER)
def model_alias_set(request, project_path, model_id):
    """Point an alias at a version (moving it if it pointed elsewhere), as MLflow's set_registered_model_alias."""
    model = _model(request, model_id)
    form = AliasForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        alias = form.cleaned_data["alias"]
        try:
            version = selectors.model_version_get(model=model, version=form.cleaned_data["version"])
            services.model_alias_set(model=model, alias=alias, version=version)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"@{alias} now points to {version.semver}.")
    return redirect(_back(request, _model_url(request, model)))


@require_POST
@project_page(Role.DEVELOPER)
def model_alias_delete(request, project_path, model_id):
    model = _model(request, model_id)
    alias = request.POST.get("alias", "")
    services.model_alias_delete(model=model, alias=alias)
    messages.success(request, f"Removed alias @{alias}.")
    return redirect(_back(request, _model_url(request, model)))


@require_http_methods(["GET", "POST"])
@project_page(Role.DEVELOPER)
def model_delete(request, project_path, model_id):
    """GET asks; POST deletes the model, its versions, aliases, tags and its `[model]` experiment."""
    model = _model(request, model_id)
    if request.method == "GET":
        context = _base(request, model=model, versions_count=model.versions.count())
        return render(request, "model_registry/model_confirm_delete.html", context)
    services.model_delete(model=model)
    messages.success(request, f"Deleted model {model.name}.")
    return redirect(_models_url(request))


# --------------------------------------------------------------------------- versions


@require_http_methods(["GET", "POST"])
@project_page(Role.DEVELOPER)
def version_edit(request, project_path, model_id, version_id):
    version = _version(request, model_id, version_id)
    form = VersionEditForm(request.POST or None, initial={"description": version.description})
    if request.method == "POST" and form.is_valid():
        services.model_version_update(version=version, description=form.cleaned_data["description"])
        messages.success(request, f"Saved {version.model.name} {version.semver}.")
        return redirect(_version_url(request, version))
    url = _version_url(request, version)
    context = _base(
        request,
        model=version.model,
        version=version,
        form=form,
        tags=list(version.metadata.order_by("name")[: selectors.PAGE_TAGS_LIMIT]),
        tag_set_url=f"{url}tags/set",
        tag_delete_url=f"{url}tags/delete",
    )
    return render(request, "model_registry/version_edit.html", context)


@require_POST
@project_page(Role.DEVELOPER)
def version_tag_set(request, project_path, model_id, version_id):
    version = _version(request, model_id, version_id)
    _tag_form_apply(request, functools.partial(services.model_version_tag_set, version=version))
    return redirect(f"{_version_url(request, version)}edit/")


@require_POST
@project_page(Role.DEVELOPER)
def version_tag_delete(request, project_path, model_id, version_id):
    version = _version(request, model_id, version_id)
    _tag_delete_apply(request, functools.partial(services.model_version_tag_delete, version=version))
    return redirect(f"{_version_url(request, version)}edit/")


@require_POST
@project_page(Role.DEVELOPER)
def version_stage(request, project_path, model_id, version_id):
    version = _version(request, model_id, version_id)
    form = StageForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        services.model_version_stage_set(
            version=version,
            stage=form.cleaned_data["stage"],
            archive_existing=form.cleaned_data["archive_existing"],
        )
        messages.success(request, f"{version.model.name} {version.semver} is now in stage {version.stage}.")
    return redirect(_version_url(request, version))


@require_http_methods(["GET", "POST"])
@project_page(Role.DEVELOPER)
def version_delete(request, project_path, model_id, version_id):
    """GET asks; POST deletes the version and its aliases (its number is not reused; the files stay with their
    owner)."""
    version = _version(request, model_id, version_id)
    if request.method == "GET":
        context = _base(request, model=version.model, version=version)
        return render(request, "model_registry/version_confirm_delete.html", context)
    services.model_version_delete(version=version)
    messages.success(request, f"Deleted {version.model.name} {version.semver}.")
    return redirect(_model_url(request, version.model))
