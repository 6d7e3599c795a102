"""The compare page (2 to COMPARE_MAX candidates of one experiment) and its curves' JSON.

The page is one fixed set of queries whatever the number of candidates (the table, the scatter / parallel
coordinates points and the images); the overlaid metric curves load afterwards from `compare/data.json`.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from candidates.metrics.charts import finite_or_none, metric_series
from candidates.page_selectors import COMPARE_MAX, candidate_compare, candidate_compare_chart
from candidates.templatetags.assay import metric
from packages_registry.image_sets import CandidateImages, candidate_images
from projects.decorators import project_page

from .experiment_selectors import experiment_get_for_page

CURVE_METRIC_CAP = 12  # metrics drawn as overlaid curves (the first by name)
CURVE_POINTS = 320  # points per curve (as the MLflow UI asks for): 100 candidates x 12 metrics stay small
_ID_MAX = 2**63 - 1


def _compare_ids(request) -> list[int]:
    """The `c` ids in the order given, duplicates dropped; bounded (a URL can hold thousands)."""
    ids = [int(v) for v in request.GET.getlist("c")[:1000] if v.isdigit() and len(v) < 20]
    return list(dict.fromkeys(i for i in ids if 0 < i <= _ID_MAX))


def candidate_label(candidate) -> str:
    """What legends and captions call a candidate: `#iid name` (the name falls back to the run id's start)."""
    return f"#{candidate.iid} {candidate.name or candidate.eid_hex[:8]}"


def _cells(values: list, *, numeric: bool = False) -> SafeString:
    """A row's <td> cells as one escaped string: 100 columns x hundreds of rows through template tags was most of
    the page's time (as for the candidates table, cells are formatted once in Python)."""
    td = '<td class="num">' if numeric else "<td>"
    missing = f'{td}<span class="muted">—</span></td>'
    return mark_safe(  # noqa: S308 - every value goes through escape()
        "".join(missing if v is None else f"{td}{escape(metric(v) if numeric else v)}</td>" for v in values)
    )


def _table_rows(rows, *, numeric: bool = False) -> list[tuple[str, SafeString, bool]]:
    return [(name, _cells(values, numeric=numeric), differs) for name, values, differs in rows]


def _series_blocks(images: CandidateImages, candidates) -> tuple[list[dict], dict]:
    """Per `log_image` key: its steps, the cells of the last step (for the first render) and, for the slider,
    every step's (full, preview) URL per candidate column."""
    blocks, slider = [], {}
    for n, (key, steps) in enumerate(sorted(images.series.items())):
        order = sorted(steps)
        cells = [[steps[s].get(c.iid) for c in candidates] for s in order]
        last = cells[-1]
        blocks.append(
            {
                "id": f"series-{n}",
                "key": key,
                "steps": order,
                "last_index": len(order) - 1,
                "cells": [(c, cell) for c, cell in zip(candidates, last, strict=True)],
            }
        )
        slider[f"series-{n}"] = {"steps": order, "cells": cells}
    return blocks, slider


@require_GET
@project_page()
def experiment_compare(request, project_path, iid):
    experiment = experiment_get_for_page(project=request.project, iid=iid)
    data = candidate_compare(experiment=experiment, candidate_ids=_compare_ids(request))
    too_few = len(data.candidates) < 2
    images = CandidateImages()
    if not too_few:
        images = candidate_images(
            project=request.project,
            experiment_iid=experiment.iid,
            candidate_iids=[c.iid for c in data.candidates],
        )
    files = [
        (path, [(c, by_iid.get(c.iid)) for c in data.candidates]) for path, by_iid in images.files.items()
    ]
    series, slider = _series_blocks(images, data.candidates)
    metric_names = [name for name, _, _ in data.metrics]
    points = {
        "candidates": [
            {
                "id": c.pk,
                "label": candidate_label(c),
                "params": {name: values[n] for name, values, _ in data.params},
                "metrics": {name: finite_or_none(values[n]) for name, values, _ in data.metrics},
            }
            for n, c in enumerate(data.candidates)
        ],
        "params": [name for name, _, _ in data.params],
        "metrics": metric_names,
    }
    ids_query = "&".join(f"c={c.pk}" for c in data.candidates)
    base = f"/{request.project.path}/-/ml/experiments/{experiment.iid}/"
    context = {
        "nav": "experiments",
        "project": request.project,
        "experiment": experiment,
        "data": data,
        "param_rows": _table_rows(data.params),
        "metric_rows": _table_rows(data.metrics, numeric=True),
        "metadata_rows": _table_rows(data.metadata),
        "labels": [candidate_label(c) for c in data.candidates],
        "too_few": too_few,
        "compare_max": COMPARE_MAX,
        "over_max": data.requested > COMPARE_MAX,
        "image_files": files,
        "image_series": series,
        "image_slider": slider,
        "images_truncated": images.truncated,
        "points": points,
        "data_url": f"{base}compare/data.json?{ids_query}",
    }
    return render(request, "experiments/experiment_compare.html", context)


@require_GET
@project_page()
def experiment_compare_data(request, project_path, iid):
    """Downsampled histories of the compared candidates' first CURVE_METRIC_CAP metrics, for overlaid curves."""
    experiment = experiment_get_for_page(project=request.project, iid=iid)
    candidates, names = candidate_compare_chart(
        experiment=experiment, candidate_ids=_compare_ids(request), metric_cap=CURVE_METRIC_CAP
    )
    series = metric_series(candidate_ids=[c.pk for c in candidates], names=names, max_points=CURVE_POINTS)
    return JsonResponse(
        {
            "candidates": [{"id": c.pk, "iid": c.iid, "label": candidate_label(c)} for c in candidates],
            "series": [s.as_dict() for s in series],
        }
    )
