"""Where links from outside the dashboard land: the MLflow client's printed links and the bare project URL.

`mlflow_link` is the resolver static/mlflow_link.js sends `<tracking URI>/#/experiments/<id>/runs/<run id>` to,
as `?experiment=<id>&run=<32 hex>`. It is an ordinary project page: signed-out users go through sign-in with the
whole URL in `next=`, non-members get 404, and both objects are looked up through the project the user may see.
Whatever cannot be found lands one level up (candidate → experiment → the project's experiments), with a note.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from candidates.selectors import candidate_get_for_project
from experiments.models import Lifecycle
from projects.decorators import project_page
from projects.errors import NotFoundError

from .experiment_selectors import experiment_get_for_page

_MAX_IID = 2**63 - 1


def _iid(raw: str) -> int | None:
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19 or int(raw) > _MAX_IID:
        return None
    return int(raw)


def _candidate_url(request, eid_hex: str) -> str | None:
    try:
        candidate = candidate_get_for_project(project=request.project, eid_hex=eid_hex)
    except NotFoundError:
        return None
    if candidate.lifecycle != Lifecycle.ACTIVE:
        return None
    return reverse(
        "candidates:candidate_detail",
        kwargs={"project_path": request.project.path, "candidate_id": candidate.pk},
    )


@require_GET
@project_page()
def mlflow_link(request, project_path):
    project = request.project
    experiment_raw = request.GET.get("experiment", "")
    eid_hex = request.GET.get("run", "")[:64]
    if eid_hex:
        url = _candidate_url(request, eid_hex)
        if url:
            return redirect(url)
        messages.info(request, "The run in that link is not in this project (or was deleted).")
    iid = _iid(experiment_raw)
    if iid is not None:
        try:
            experiment_get_for_page(project=project, iid=iid)
        except Http404:
            pass
        else:
            return redirect(
                reverse("experiments:experiment_detail", kwargs={"project_path": project.path, "iid": iid})
            )
        if not eid_hex:
            messages.info(request, "The experiment in that link is not in this project (or was deleted).")
    return redirect(reverse("experiments:experiment_list", kwargs={"project_path": project.path}))


def project_home(request, project_path):
    """GET /<project>/-/ : the project's experiments (that page checks who may see it)."""
    return redirect(reverse("experiments:experiment_list", kwargs={"project_path": project_path}))
