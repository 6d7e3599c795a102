"""Experiment pages: list, Candidates tab (table, CSV, delete), live; Performance: performance_views.py,
compare: compare_views.py."""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from candidates.bulk import candidate_can_delete, candidate_delete_many
from candidates.metrics.charts import finite_or_none
from candidates.page_selectors import candidates_live
from candidates.table import (
    PAGE_SIZES,
    TableError,
    TablePage,
    TableSpec,
    table_column_names,
    table_iter_rows,
    table_page,
    table_spec_from_query,
    table_tag_names,
)
from ci_integration.selectors import ci_builds_for_candidates
from projects.decorators import project_page
from projects.mlflow_data import RUN_ID_PARAMETER
from projects.models import Role

from .experiment_selectors import (
    experiment_counts,
    experiment_get_for_page,
    experiment_head_attach,
    experiment_list_page,
    model_experiment_count,
)
from .filtering import candidate_filter_parse
from .table_views import prepare_cells as _prepare_cells
from .table_views import table_experiment_get, table_extras_context, table_prefs_apply

POLL_MS = 5000


def _base(request, **extra) -> dict:
    return {"nav": "experiments", "project": request.project, "poll_ms": POLL_MS, **extra}


def _tracking_uri(request) -> str:
    base = (
        settings.PUBLIC_URL.rstrip("/")
        if settings.PUBLIC_URL
        else request.build_absolute_uri("/").rstrip("/")
    )
    return f"{base}/api/v4/projects/{request.project.pk}/ml/mlflow"


@require_GET
@project_page()
def experiment_list(request, project_path):
    search = request.GET.get("q", "").strip()[:200]
    # The registry's `[model]` experiments are hidden unless asked for (`?model=1`); the toggle shows how many.
    show_model = request.GET.get("model") == "1"
    page_obj, rows = experiment_list_page(
        project=request.project,
        search=search,
        page=request.GET.get("page", 1),
        include_model_experiments=show_model,
    )
    context = _base(
        request,
        rows=rows,
        page_obj=page_obj,
        search=search,
        show_model=show_model,
        model_count=model_experiment_count(project=request.project, search=search),
        tracking_uri=_tracking_uri(request),
    )
    return render(request, "experiments/experiment_list.html", context)


def _columns(spec: TableSpec, base_path: str) -> list[dict]:
    """Header cells: label, sort key, the link that sorts by it (toggling direction when already sorted)."""
    cols = [
        ("Name", "attributes.name", "name"),
        ("Status", "attributes.status", "status"),
        ("Created", "attributes.start_time", "created"),
        ("Duration", "attributes.duration", "duration"),
        ("User", "attributes.user_id", "user"),
    ]
    cols += [(m, f"metrics.{m}", "metric") for m in spec.metrics]
    cols += [(p, f"params.{p}", "param") for p in spec.params]
    cols += [(t, f"tags.{t}", "tag") for t in spec.tags]
    out = []
    for label, key, kind in cols:
        active = spec.sort == key
        direction = (
            ("asc" if spec.descending else "desc") if active else ("asc" if kind == "name" else "desc")
        )
        out.append(
            {
                "label": label,
                "key": key,
                "kind": kind,
                "active": active,
                "descending": spec.descending,
                "url": base_path + "?" + urlencode(spec.query_items(sort=key, dir=direction)),
            }
        )
    return out


def _table_context(request, experiment, spec: TableSpec) -> dict:
    error = ""
    try:
        page = table_page(spec=spec)
    except TableError as exc:
        error, page = str(exc), TablePage(rows=[])
    base_path = request.path
    param_names, metric_names = table_column_names(experiment=experiment)
    role = request.project_role
    deletable = candidate_can_delete(role=role)
    every_row = page.pinned + page.rows
    hidden, pinned = set(spec.hidden_ids), set(spec.pinned_ids)
    for row in every_row:
        row.deletable = deletable
        row.hidden = row.candidate.pk in hidden
        row.pinned = row.candidate.pk in pinned
    _prepare_cells(every_row, spec)
    ci_jobs = ci_builds_for_candidates([row.candidate.pk for row in every_row])
    return {
        **table_extras_context(request, experiment, spec, page),
        "tag_names": table_tag_names(experiment=experiment),
        "ci_jobs": ci_jobs,
        "spec": spec,
        "page": page,
        "error": error,
        "columns": _columns(spec, base_path),
        "param_names": param_names,
        "metric_names": metric_names,
        "page_sizes": PAGE_SIZES,
        "can_delete_any": deletable,
        "view_query": spec.query_items(),
        "next_url": base_path + "?" + urlencode(spec.query_items(cursor=page.next_cursor))
        if page.next_cursor
        else "",
        "prev_url": base_path + "?" + urlencode(spec.query_items(cursor=page.prev_cursor))
        if page.prev_cursor
        else "",
        "first_url": base_path + "?" + urlencode(spec.query_items()) if spec.cursor else "",
    }


@require_GET
@project_page()
def experiment_detail(request, project_path, iid):
    experiment = table_experiment_get(request, iid)
    experiment_head_attach(experiment=experiment)
    spec = table_spec_from_query(
        experiment=experiment, query=request.GET, filter_parse=candidate_filter_parse
    )
    table_prefs_apply(request, experiment, spec)
    counts = experiment_counts(experiment=experiment)
    context = _base(request, experiment=experiment, counts=counts, tab="candidates")
    context.update(_table_context(request, experiment, spec))
    return render(request, "experiments/experiment_detail.html", context)


class _Echo:
    def write(self, value):
        return value


def _csv_text(value: str) -> str:
    # Spreadsheet apps run cells that start with these as formulas; a leading quote keeps them text.
    return "'" + value if value and value[0] in "=+-@\t\r" else value


@require_GET
@project_page()
def experiment_candidates_csv(request, project_path, iid):
    """The current filtered, sorted view (all pages) as CSV, streamed in keyset chunks."""
    experiment = experiment_get_for_page(project=request.project, iid=iid)
    spec = table_spec_from_query(
        experiment=experiment, query=request.GET, filter_parse=candidate_filter_parse
    )
    try:
        rows = table_iter_rows(spec=spec)
        first = next(rows, None)
    except TableError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    writer = csv.writer(_Echo())

    def lines():
        # The export's id column keeps MLflow's name, so the file joins with what the client prints.
        header = [
            "id",
            "iid",
            RUN_ID_PARAMETER,
            "name",
            "status",
            "start_time",
            "end_time",
            "user",
            "reported_user",
        ]
        yield writer.writerow(
            header
            + [f"params.{p}" for p in spec.params]
            + [f"metrics.{m}" for m in spec.metrics]
            + [f"tags.{t}" for t in spec.tags]
        )
        if first is None:
            return
        for row in _chain(first, rows):
            c = row.candidate
            yield writer.writerow(
                [
                    c.pk,
                    c.iid,
                    c.eid_hex,
                    _csv_text(c.name),
                    c.status,
                    c.start_time or "",
                    c.end_time or "",
                    _csv_text(c.account_name),
                    _csv_text(c.reported_user_name),
                ]
                + [_csv_text(row.params.get(p, "")) for p in spec.params]
                + [row.metrics.get(m, "") for m in spec.metrics]
                + [_csv_text(row.tags.get(t, "")) for t in spec.tags]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="experiment-{experiment.iid}-candidates.csv"'
    return response


def _chain(first, rest):
    yield first
    yield from rest


def _selected_ids(request) -> list[int]:
    return [int(v) for v in request.POST.getlist("c") if v.isdigit()][:1000]


@require_POST
@project_page(Role.DEVELOPER)
def experiment_candidates_delete(request, project_path, iid):
    """Two steps: the first POST shows what will be deleted, the second (confirm=1) deletes."""
    experiment = experiment_get_for_page(project=request.project, iid=iid)
    ids = _selected_ids(request)
    back = request.POST.get("next") or f"/{request.project.path}/-/ml/experiments/{experiment.iid}/"
    if not back.startswith("/") or back.startswith("//"):
        back = f"/{request.project.path}/-/ml/experiments/{experiment.iid}/"
    if request.POST.get("confirm") != "1":
        spec = TableSpec(experiment=experiment, candidate_ids=ids or [0], page_size=100)
        rows = table_page(spec=spec).rows
        return render(
            request,
            "candidates/confirm_delete.html",
            _base(request, experiment=experiment, rows=rows, back=back, action=request.path),
        )
    deleted = candidate_delete_many(project=request.project, candidate_ids=ids, role=request.project_role)
    skipped = len(ids) - deleted
    text = f"Deleted {deleted} candidate{'s' if deleted != 1 else ''}."
    if skipped:
        text += f" {skipped} could not be deleted (already deleted or not in this project)."
    messages.success(request, text)
    return redirect(back)


@require_GET
@project_page()
def experiment_live(request, project_path, iid):
    """Numbers for polling: counts and, for the `c` ids on screen, status, times and latest metrics."""
    experiment = experiment_get_for_page(project=request.project, iid=iid)
    ids = [int(v) for v in request.GET.getlist("c") if v.isdigit()]
    counts = experiment_counts(experiment=experiment)
    rows = candidates_live(experiment=experiment, candidate_ids=ids) if ids else []
    for row in rows:
        for m in row["metrics"].values():
            m["value"] = finite_or_none(m["value"])
    return JsonResponse(
        {
            "total": counts.total,
            "running": counts.running,
            "total_label": counts.total_label,
            "running_label": counts.running_label,
            "candidates": rows,
        }
    )
