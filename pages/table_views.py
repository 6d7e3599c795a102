"""The candidates table's own endpoints and helpers (experiment page, Candidates tab).

- `prepare_cells(rows, spec)`: display strings per row, once in Python.
- `table_prefs_apply(request, experiment, spec)`: the viewer's saved columns, hidden and pinned rows (1 query).
- `table_extras_context(...)`: nested-row child counts (1 query, nested view only), the view-switch links.
- `experiment_candidate_children`: a parent's child rows as an HTML fragment (expanded in place by table.js).
- `experiment_table_prefs`: POST hide / unhide / pin / unpin / columns / reset-columns for the viewer.
- `experiment_candidates_restore`: POST restore soft-deleted candidates (the delete rule: developers and up).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.text import Truncator
from django.views.decorators.http import require_GET, require_POST

from candidates.bulk import candidate_can_delete, candidate_restore_many
from candidates.table import TableError, TableSpec, table_match_q, table_rows_for, table_spec_from_query
from candidates.table_groups import MAX_GROUPS, table_groups
from candidates.table_nested import MAX_CHILDREN, child_counts, child_ids, parent_get
from candidates.table_prefs import ACTIONS, experiment_with_table_prefs, table_prefs_get, table_prefs_update
from candidates.templatetags.assay import duration, metric
from ci_integration.selectors import ci_builds_for_candidates
from projects.decorators import project_page
from projects.models import Role

from .experiment_selectors import experiment_get_for_page
from .filtering import candidate_filter_parse


def _utc(ms: int | None, fmt: str) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime(fmt) if ms is not None else ""


def _dataset_text(d: dict) -> str:
    text = f"{d['name']}@{d['digest'][:8]}" if d["digest"] else d["name"]
    return f"{text} ({d['context']})" if d["context"] else text


def prepare_cells(rows, spec: TableSpec) -> None:
    """Display strings per row, computed once in Python: a 50 x 15 table through template filter chains
    (`|get:p|default_if_none|truncatechars`, `|ms_datetime|date`) cost more than every query of the page."""
    for row in rows:
        c = row.candidate
        row.display_name = Truncator(c.name or c.eid_hex).chars(60)
        row.created = _utc(c.start_time, "%Y-%m-%d %H:%M")
        row.created_title = _utc(c.start_time, "%Y-%m-%d %H:%M:%S")
        row.duration_text = duration(row.duration_ms)
        row.user_text, row.user_reported = c.account_name, c.reported_user_name
        row.param_cells = [
            (row.params.get(p, ""), Truncator(row.params.get(p, "")).chars(40)) for p in spec.params
        ]
        row.metric_cells = [(m, metric(row.metrics.get(m))) for m in spec.metrics]
        row.tag_cells = [(row.tags.get(t, ""), Truncator(row.tags.get(t, "")).chars(40)) for t in spec.tags]
        row.dataset_texts = [_dataset_text(d) for d in row.datasets]


def table_experiment_get(request, iid: int):
    """The page's experiment with the viewer's table prefs read in the same query (404 when absent)."""
    experiment = experiment_with_table_prefs(project=request.project, iid=iid, user=request.user)
    if experiment is None:
        raise Http404("Experiment not found")
    return experiment


def table_prefs_apply(request, experiment, spec: TableSpec) -> None:
    """The viewer's saved state onto the spec: columns (unless the query chose some), hidden and pinned ids.
    Reads `experiment.table_prefs` when the experiment came from table_experiment_get (no query), else 1 query."""
    if hasattr(experiment, "table_prefs"):
        prefs = experiment.table_prefs
    else:
        row = table_prefs_get(user=request.user, experiment=experiment)
        prefs = row and {"columns": row.columns, "hidden": row.hidden, "pinned": row.pinned}
    if not prefs:
        return
    if prefs["columns"] and not spec.columns_given:
        spec.columns_set(prefs["columns"])
    spec.hidden_ids = [i for i in prefs["hidden"] if isinstance(i, int)]
    spec.pinned_ids = [i for i in prefs["pinned"] if isinstance(i, int)]


def _group_filter(spec: TableSpec, value: str, missing: bool) -> str:
    param = spec.group.replace("`", "")
    if missing:
        condition = f"params.`{param}` IS NULL"
    else:
        condition = f"params.`{param}` = '{value.replace(chr(39), chr(39) * 2)}'"
    return f"{spec.filter_text} AND {condition}" if spec.filter_text else condition


def _groups_context(spec: TableSpec) -> dict:
    if not spec.group or spec.deleted:
        return {}
    try:
        groups = table_groups(spec=spec, param=spec.group)
    except TableError:
        return {}  # the table shows the filter's error already
    for group in groups:
        group.url = "?" + urlencode(
            spec.query_items(filter=_group_filter(spec, group.value, group.missing), group="", cursor="")
        )
        group.cells = [(name, lower, metric(value)) for name, lower, value in group.best]
    return {"groups": groups, "groups_max": MAX_GROUPS}


def table_extras_context(request, experiment, spec: TableSpec, page) -> dict:
    counts = {}
    if spec.nested:
        try:
            match = table_match_q(spec=spec)
        except TableError:
            match = None  # the table shows the filter's error already (and no rows)
        if match is not None:
            parents = [r.candidate for r in page.rows + page.pinned]
            counts = child_counts(experiment=experiment, parents=parents, match=match)
    for row in page.pinned + page.rows:
        row.children = counts.get(row.candidate.pk, 0)
    view = [(k, v) for k, v in spec.query_items() if k not in ("view", "nest", "hidden")]
    return {
        "deleted_view": spec.deleted,
        "active_url": "?" + urlencode(view + [("nest", "1")] * spec.nested),
        "deleted_url": "?" + urlencode(view + [("view", "deleted")]),
        "nest_url": "?" + urlencode(spec.query_items(nest="" if spec.nested else "1", cursor="")),
        "hidden_count": len(spec.hidden_ids),
        "hidden_url": "?" + urlencode(spec.query_items(hidden="" if spec.show_hidden else "1", cursor="")),
        # The children of a row are filtered as the table is (filter and name box).
        "children_query": urlencode(
            [(k, v) for k, v in spec.query_items() if k in ("col", "view", "filter", "name")]
        ),
        "can_restore": spec.deleted and candidate_can_delete(role=request.project_role),
        **_groups_context(spec),
    }


def _back(request, experiment) -> str:
    default = f"/{request.project.path}/-/ml/experiments/{experiment.iid}/"
    back = request.POST.get("next") or default
    return back if back.startswith("/") and not back.startswith("//") else default


@require_GET
@project_page()
def experiment_candidate_children(request, project_path, iid):
    """`?parent=<candidate id>&col=...`: the parent's child rows (`<tr>`s, at most MAX_CHILDREN) with the
    table's columns."""
    experiment = table_experiment_get(request, iid)
    parent = parent_get(experiment=experiment, candidate_id=request.GET.get("parent", ""))
    if parent is None:
        raise Http404("Candidate not found")
    spec = table_spec_from_query(  # columns, filter and name box
        experiment=experiment, query=request.GET, filter_parse=candidate_filter_parse
    )
    spec.deleted = False
    table_prefs_apply(request, experiment, spec)
    try:
        match = table_match_q(spec=spec)
    except TableError as exc:
        return HttpResponseBadRequest(str(exc))
    ids = child_ids(experiment=experiment, parent=parent, match=match)
    rows = table_rows_for(spec=spec, candidate_ids=ids)
    deletable = candidate_can_delete(role=request.project_role)
    for row in rows:
        row.deletable, row.child_of = deletable, parent.pk
        row.hidden = row.pinned = False
        row.children = 0
    prepare_cells(rows, spec)
    ci_jobs = ci_builds_for_candidates([row.candidate.pk for row in rows])
    return render(
        request,
        "experiments/_candidate_rows.html",
        {"rows": rows, "project": request.project, "ci_jobs": ci_jobs, "spec": spec, "limit": MAX_CHILDREN},
    )


@require_POST
@project_page()
def experiment_table_prefs(request, project_path, iid):
    """The viewer's own table state: `action` and the selected `c` ids (or `col` values for columns)."""
    experiment = experiment_get_for_page(project=request.project, iid=iid)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return JsonResponse({"error": "Unknown action."}, status=400)
    ids = [int(v) for v in request.POST.getlist("c") if v.isdigit()][:1000]
    prefs = table_prefs_update(
        user=request.user,
        experiment=experiment,
        action=action,
        candidate_ids=ids,
        columns=request.POST.getlist("col"),
    )
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"columns": prefs.columns, "hidden": prefs.hidden, "pinned": prefs.pinned})
    return redirect(_back(request, experiment))


@require_POST
@project_page(Role.DEVELOPER)
def experiment_candidates_restore(request, project_path, iid):
    experiment = experiment_get_for_page(project=request.project, iid=iid)
    ids = [int(v) for v in request.POST.getlist("c") if v.isdigit()][:1000]
    restored = candidate_restore_many(project=request.project, candidate_ids=ids, role=request.project_role)
    text = f"Restored {restored} candidate{'s' if restored != 1 else ''}."
    if len(ids) - restored:
        text += f" {len(ids) - restored} could not be restored (not deleted or not in this project)."
    messages.success(request, text)
    return redirect(_back(request, experiment))
