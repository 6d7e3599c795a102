"""Candidate pages: detail, delete, live numbers, chart data and full metric downloads.

URL rule: `/<project>/-/ml/candidates/<id>/` with the candidate's global id (GitLab's rule); looked up only
inside the project of the URL.
"""

from __future__ import annotations

import csv
import json
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from candidates.bulk import candidate_can_delete, candidate_delete_many
from candidates.metrics.charts import finite_or_none, metric_history_rows, metric_series
from candidates.page_selectors import candidate_details, candidate_get_for_page, candidates_live
from candidates.services import candidate_description_set
from candidates.table import TableRow
from projects.decorators import project_page
from projects.errors import InvalidValueError
from projects.models import Role

from . import integrations
from .artifact_views import artifact_context, image_series_context

POLL_MS = 5000


def _experiment_url(request, candidate) -> str:
    return f"/{request.project.path}/-/ml/experiments/{candidate.experiment.iid}/"


@require_GET
@project_page()
def candidate_detail(request, project_path, candidate_id):
    candidate = candidate_get_for_page(project=request.project, candidate_id=candidate_id)
    details = candidate_details(candidate=candidate)
    base = f"/{request.project.path}/-/ml/candidates/{candidate.pk}/"
    extras = integrations.candidate_extras(project=request.project, candidate=candidate)
    package = extras["artifacts"]["package"]
    context = {
        "nav": "experiments",
        "project": request.project,
        "candidate": candidate,
        "experiment": candidate.experiment,
        "details": details,
        "can_delete": candidate_can_delete(role=request.project_role),
        "data_url": _model_metrics_url(base, details),
        "system_data_url": _system_metrics_url(base, details),
        "live_url": f"{base}live.json",
        "base_url": base,
        "poll_ms": POLL_MS,
        "duration_ms": TableRow(candidate, {}, {}).duration_ms,
        "extras": extras,
        "artifact": artifact_context(
            project=request.project,
            package=package,
            path=request.GET.get("artifact", ""),
            as_source=request.GET.get("as") == "source",
        ),
        "image_series": image_series_context(
            project=request.project, package=package, series=extras["artifacts"]["series"]
        ),
        # Editing the description is a write like delete: developers and above (project_page on the POST view).
        "can_edit": request.project_role >= Role.DEVELOPER,
        # Promoting creates a model version: developers and above, as for logging.
        "promote_url": integrations.promote_url(project=request.project, candidate=candidate)
        if request.project_role >= Role.DEVELOPER
        else "",
    }
    return render(request, "candidates/candidate_detail.html", context)


def _model_metrics_url(base: str, details) -> str:
    """The chart data of the model metrics; system metrics (`system/*`) have their own section and charts. While
    there are none, or too many names for one URL, all metrics."""
    if not details.system_metrics or len(details.metrics) > 100:
        return f"{base}metrics.json"
    if not details.metrics:
        return ""
    return f"{base}metrics.json?" + urlencode([("metric", m.name) for m in details.metrics])


def _system_metrics_url(base: str, details) -> str:
    return f"{base}metrics.json?" + urlencode([("metric", m.name) for m in details.system_metrics[:100]])


@require_POST
@project_page(Role.DEVELOPER)
def candidate_description_update(request, project_path, candidate_id):
    """Set the candidate's Markdown description (the same role rule as delete: developers and above)."""
    candidate = candidate_get_for_page(project=request.project, candidate_id=candidate_id)
    try:
        candidate_description_set(candidate=candidate, text=request.POST.get("description", ""))
    except InvalidValueError as exc:
        messages.error(request, f"The description was not saved: {exc}")
    else:
        messages.success(request, "Description saved.")
    return redirect(f"/{request.project.path}/-/ml/candidates/{candidate.pk}/#description")


@require_POST
@project_page(Role.DEVELOPER)
def candidate_delete(request, project_path, candidate_id):
    candidate = candidate_get_for_page(project=request.project, candidate_id=candidate_id)
    back = _experiment_url(request, candidate)
    # project_page(Role.DEVELOPER) is the whole rule: developers may delete any candidate (bulk.py).
    if request.POST.get("confirm") != "1":
        return render(
            request,
            "candidates/confirm_delete.html",
            {
                "nav": "experiments",
                "project": request.project,
                "experiment": candidate.experiment,
                "rows": [TableRow(candidate, {}, {})],
                "back": f"/{request.project.path}/-/ml/candidates/{candidate.pk}/",
                "action": request.path,
            },
        )
    candidate_delete_many(project=request.project, candidate_ids=[candidate.pk], role=request.project_role)
    messages.success(request, f"Deleted candidate {candidate.name or candidate.eid_hex}.")
    return redirect(back)


@require_GET
@project_page()
def candidate_live(request, project_path, candidate_id):
    candidate = candidate_get_for_page(project=request.project, candidate_id=candidate_id)
    rows = candidates_live(experiment=candidate.experiment, candidate_ids=[candidate.pk])
    row = rows[0] if rows else {"metrics": {}, "running": False}
    for m in row["metrics"].values():
        m["value"] = finite_or_none(m["value"])
    return JsonResponse(row)


@require_GET
@project_page()
def candidate_metrics_data(request, project_path, candidate_id):
    """Every metric of the candidate as a downsampled series (3 queries whatever the history length)."""
    candidate = candidate_get_for_page(project=request.project, candidate_id=candidate_id)
    names = request.GET.getlist("metric") or None
    series = metric_series(candidate_ids=[candidate.pk], names=names)
    ref = {"id": candidate.pk, "iid": candidate.iid, "name": candidate.name or candidate.eid_hex[:8]}
    return JsonResponse(
        {
            "candidates": [ref],
            "series": [s.as_dict() for s in series],
            "running": candidate.status == "RUNNING",
        }
    )


class _Echo:
    def write(self, value):
        return value


@require_GET
@project_page()
def candidate_metric_download(request, project_path, candidate_id, fmt):
    """The full history of one metric (`?name=`), streamed as CSV or JSON; no downsampling."""
    candidate = candidate_get_for_page(project=request.project, candidate_id=candidate_id)
    name = request.GET.get("name", "")
    if fmt not in ("csv", "json") or not name:
        raise Http404("Pass ?name=<metric>")
    rows = metric_history_rows(candidate_id=candidate.pk, name=name)
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)[:80]
    if fmt == "csv":
        writer = csv.writer(_Echo())

        def lines():
            yield writer.writerow(["step", "value", "timestamp"])
            for step, value, ts in rows:
                yield writer.writerow([step, value, ts])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    else:

        def chunks():
            yield (
                '{"candidate_id": ' + str(candidate.pk) + ', "metric": ' + json.dumps(name) + ', "points": ['
            )
            sep = ""
            for step, value, ts in rows:
                yield f'{sep}{{"step": {step}, "value": {json.dumps(finite_or_none(value))}, "timestamp": {ts}}}'
                sep = ","
            yield "]}"

        response = StreamingHttpResponse(chunks(), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="candidate-{candidate.pk}-{safe}.{fmt}"'
    return response
