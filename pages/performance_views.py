"""The Performance tab of an experiment: a light HTML shell plus the JSON its charts load after the page.

- `experiment_performance`: the page (filter form, chart frames, the selects' names): no candidate rows.
- `experiment_performance_data`: downsampled metric histories of the first OVERLAY_CAP candidates of the view
  (or the `c` ids); the compare page reads it too.
- `experiment_performance_points`: latest metrics and params of the first SCATTER_CAP candidates (scatter,
  parallel coordinates, contour).
- `experiment_performance_summary`: min/max of each metric over the whole view and who holds them.

Names travel raw in the JSON; static/charts.js escapes them before they reach Plotly or the DOM.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from candidates.metrics.charts import TOTAL_POINTS, finite_or_none, metric_series
from candidates.table import (
    TableError,
    TableSpec,
    table_column_names,
    table_default_columns,
    table_metric_summary,
    table_spec_from_query,
    table_view_rows,
)
from projects.decorators import project_page

from .experiment_selectors import experiment_counts, experiment_get_for_page

# The filter box speaks MLflow's search grammar; the layers contract lets pages reach it through
# experiment_views only (pyproject.toml), so the parser comes from there.
from .filtering import candidate_filter_parse

OVERLAY_CAP = 100  # line-chart traces: the first candidates of the view, or as many as the user selected
SCATTER_CAP = 500  # candidates in the scatter, parallel-coordinates and contour charts
SCATTER_PARAM_CAP = 30
POLL_MS = 5000


def _performance_spec(request, experiment) -> TableSpec:
    spec = table_spec_from_query(
        experiment=experiment, query=request.GET, default_columns=False, filter_parse=candidate_filter_parse
    )
    spec.cursor = ""
    return spec


def _view_query(spec: TableSpec) -> list[tuple[str, str]]:
    return [(k, v) for k, v in spec.query_items() if k != "per_page"]


@require_GET
@project_page()
def experiment_performance(request, project_path, iid):
    experiment = experiment_get_for_page(project=request.project, iid=iid, with_metadata=True)
    spec = _performance_spec(request, experiment)
    param_names, metric_names = table_column_names(experiment=experiment)
    varying, _ = table_default_columns(experiment=experiment)
    # Params that vary come first, so the scatter's and the contour's default axes show an effect.
    ordered_params = varying + [p for p in param_names if p not in varying]
    query = urlencode(_view_query(spec))
    base = request.path
    context = {
        "nav": "experiments",
        "project": request.project,
        "poll_ms": POLL_MS,
        "experiment": experiment,
        "counts": experiment_counts(experiment=experiment),
        "tab": "performance",
        "spec": spec,
        "error": f"Filter: {spec.filter_error}" if spec.filter_error else "",
        "param_names": ordered_params[:SCATTER_PARAM_CAP],
        "metric_names": metric_names,
        "overlay_cap": OVERLAY_CAP,
        "scatter_cap": SCATTER_CAP,
        "data_url": f"{base}data.json?{query}",
        "points_url": f"{base}points.json?{query}",
        "summary_url": f"{base}summary.json?{query}",
        "view_query": _view_query(spec),
    }
    return render(request, "experiments/experiment_performance.html", context)


def _candidate_ref(c) -> dict:
    return {"id": c.pk, "iid": c.iid, "name": c.name or c.eid_hex[:8], "status": c.status}


@require_GET
@project_page()
def experiment_performance_data(request, project_path, iid):
    """Downsampled metric histories for the first OVERLAY_CAP candidates of the view (or the `c` ids), about
    TOTAL_POINTS points in all whatever the number of traces."""
    experiment = experiment_get_for_page(project=request.project, iid=iid)
    spec = _performance_spec(request, experiment)
    spec.params, spec.metrics = [], []
    limit = OVERLAY_CAP if not spec.candidate_ids else min(len(spec.candidate_ids), OVERLAY_CAP)
    try:
        candidates = [r.candidate for r in table_view_rows(spec=spec, limit=limit + 1)]
    except TableError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    more, candidates = len(candidates) > limit, candidates[:limit]
    names = request.GET.getlist("metric") or None
    series = metric_series(candidate_ids=[c.pk for c in candidates], names=names, total_points=TOTAL_POINTS)
    return JsonResponse(
        {
            "candidates": [_candidate_ref(c) for c in candidates],
            "series": [s.as_dict() for s in series],
            "running": any(c.status == "RUNNING" for c in candidates),
            "more": more,
            "cap": OVERLAY_CAP,
        }
    )


@require_GET
@project_page()
def experiment_performance_points(request, project_path, iid):
    """One point per candidate (first SCATTER_CAP of the view): params and latest metrics."""
    experiment = experiment_get_for_page(project=request.project, iid=iid)
    spec = _performance_spec(request, experiment)
    param_names, metric_names = table_column_names(experiment=experiment)
    varying, _ = table_default_columns(experiment=experiment)
    spec.params = (varying + [p for p in param_names if p not in varying])[:SCATTER_PARAM_CAP]
    spec.metrics = metric_names
    try:
        rows = table_view_rows(spec=spec, limit=SCATTER_CAP)
    except TableError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse(
        {
            "candidates": [
                {
                    **_candidate_ref(r.candidate),
                    "params": r.params,
                    "metrics": {k: finite_or_none(v) for k, v in r.metrics.items()},
                }
                for r in rows
            ],
            "params": spec.params,
            "metrics": metric_names,
            "cap": SCATTER_CAP,
        }
    )


@require_GET
@project_page()
def experiment_performance_summary(request, project_path, iid):
    """Per metric over the whole view: count, min and max of the latest values and who holds them."""
    experiment = experiment_get_for_page(project=request.project, iid=iid)
    spec = _performance_spec(request, experiment)
    _, metric_names = table_column_names(experiment=experiment)
    try:
        summary = table_metric_summary(spec=spec, names=metric_names)
    except TableError as exc:
        return JsonResponse({"error": str(exc)}, status=400)

    def holder(pair):
        return {"id": pair[0], "name": pair[1] or str(pair[0])} if pair else None

    base = f"/{request.project.path}/-/ml/candidates/"
    return JsonResponse(
        {
            "candidate_url": base,
            "metrics": [
                {
                    "name": s["name"],
                    "count": s["count"],
                    "min": finite_or_none(s["min"]),
                    "max": finite_or_none(s["max"]),
                    "min_candidate": holder(s["min_candidate"]),
                    "max_candidate": holder(s["max_candidate"]),
                }
                for s in summary
            ],
        }
    )
