"""Experiment edit pages: create, edit (name, description), tags, delete (with a confirm page), deleted list and
restore. Every write asks for the role the MLflow API asks for the same action (developer: `write=True`), and
reaches the experiment through the project the viewer may see."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from experiments import services
from experiments.models import Lifecycle
from projects.decorators import project_page
from projects.errors import DomainError
from projects.mlflow_data import NOTE_TAG
from projects.models import Role

from .experiment_forms import ExperimentForm, MetadataForm
from .experiment_selectors import experiment_get_for_page, experiment_list_page


def _base(request, **extra) -> dict:
    return {"nav": "experiments", "project": request.project, **extra}


def _list_url(request) -> str:
    return f"/{request.project.path}/-/ml/experiments/"


def _experiment_url(request, experiment) -> str:
    return f"{_list_url(request)}{experiment.iid}/"


@require_http_methods(["GET", "POST"])
@project_page(Role.DEVELOPER)
def experiment_new(request, project_path):
    form = ExperimentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        description = form.cleaned_data["description"]
        try:
            experiment = services.experiment_create(
                project=request.project,
                name=form.cleaned_data["name"],
                user=request.user,
                metadata=[(NOTE_TAG, description)] if description else (),
            )
        except DomainError as exc:
            form.add_error("name", exc.message)
        else:
            messages.success(request, f"Created experiment {experiment.name}.")
            return redirect(_experiment_url(request, experiment))
    return render(request, "experiments/experiment_form.html", _base(request, form=form, experiment=None))


@require_http_methods(["GET", "POST"])
@project_page(Role.DEVELOPER)
def experiment_edit(request, project_path, iid):
    """Name and description on one form; the tags below it post to their own URLs."""
    experiment = experiment_get_for_page(project=request.project, iid=iid, with_metadata=True)
    initial = {"name": experiment.name, "description": experiment.description}
    form = ExperimentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.experiment_rename(experiment=experiment, name=form.cleaned_data["name"])
                if form.cleaned_data["description"] != experiment.description:
                    services.experiment_description_set(
                        experiment=experiment, description=form.cleaned_data["description"]
                    )
        except DomainError as exc:
            form.add_error("name", exc.message)
        else:
            messages.success(request, f"Saved experiment {experiment.name}.")
            return redirect(_experiment_url(request, experiment))
    context = _base(request, form=form, experiment=experiment, metadata_form=MetadataForm())
    return render(request, "experiments/experiment_form.html", context)


def _edit_url(request, experiment) -> str:
    return f"{_experiment_url(request, experiment)}edit/"


@require_POST
@project_page(Role.DEVELOPER)
def experiment_metadata_set(request, project_path, iid):
    experiment = experiment_get_for_page(project=request.project, iid=iid)
    form = MetadataForm(request.POST)
    if form.is_valid():
        try:
            services.experiment_metadata_set(
                experiment=experiment, name=form.cleaned_data["name"], value=form.cleaned_data["value"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Set tag {form.cleaned_data['name']}.")
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(_edit_url(request, experiment))


@require_POST
@project_page(Role.DEVELOPER)
def experiment_metadata_delete(request, project_path, iid):
    experiment = experiment_get_for_page(project=request.project, iid=iid)
    name = request.POST.get("name", "")
    try:
        services.experiment_metadata_delete(experiment=experiment, name=name)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Removed tag {name}.")
    return redirect(_edit_url(request, experiment))


@require_http_methods(["GET", "POST"])
@project_page(Role.DEVELOPER)
def experiment_delete(request, project_path, iid):
    """GET asks (a confirm page, as candidates have); POST deletes, softly: the deleted list restores."""
    experiment = experiment_get_for_page(project=request.project, iid=iid)
    if request.method == "GET":
        return render(
            request, "experiments/experiment_confirm_delete.html", _base(request, experiment=experiment)
        )
    try:
        services.experiment_delete(experiment=experiment)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_experiment_url(request, experiment))
    messages.success(request, f"Deleted experiment {experiment.name}. Restore it from Deleted experiments.")
    return redirect(_list_url(request))


@require_POST
@project_page(Role.DEVELOPER)
def experiment_restore(request, project_path, iid):
    experiment = experiment_get_for_page(project=request.project, iid=iid, lifecycle=Lifecycle.DELETED)
    services.experiment_restore(experiment=experiment)
    messages.success(request, f"Restored experiment {experiment.name}.")
    return redirect(_experiment_url(request, experiment))


@require_GET
@project_page()
def experiment_deleted_list(request, project_path):
    search = request.GET.get("q", "").strip()[:200]
    page_obj, rows = experiment_list_page(
        project=request.project, search=search, page=request.GET.get("page", 1), lifecycle=Lifecycle.DELETED
    )
    context = _base(request, rows=rows, page_obj=page_obj, search=search)
    return render(request, "experiments/experiment_deleted_list.html", context)
