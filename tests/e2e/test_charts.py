"""The metric charts in real Chromium: x axis, smoothing, log scale, ignore outliers, state kept in the URL,
single values as bars, one colour per candidate across charts, a hundred overlaid traces, user text escaped.

Figures are read from the Plotly DOM (`div.data` / `div.layout`), not from pixels."""

import pytest

from tests.e2e.charts_seed import seed_sklearn
from tests.e2e.conftest import docs_copy, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'


def chart(page, metric, what="data"):
    return page.evaluate(
        """([metric, what]) => {
             const d = Array.from(document.querySelectorAll('.metric-chart')).find(e => e.dataset.metric === metric);
             return what === 'data' ? d.data.map(t => ({type: t.type, name: t.name, x: Array.from(t.x || []),
                        y: Array.from(t.y || []), opacity: t.opacity, meta: t.meta,
                        colour: (t.line || {}).color, colours: (t.marker || {}).color,
                        customdata: t.customdata})) : d.layout;
           }""",
        [metric, what],
    )


@pytest.fixture(autouse=True)
def _patient(page):
    page.set_default_timeout(180_000)  # a shared, loaded machine: parsing Plotly alone took 50 s at load 20
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield
    assert not [e for e in errors if "favicon" not in e and "404" not in e], errors


def wait_loaded(page):
    page.wait_for_selector('#metric-charts[data-loaded="1"] .main-svg', state="attached")


def keep(screenshots, page, name, docs=False):
    path = screenshots / name
    page.screenshot(path=str(path))
    if docs:
        docs_copy(path, name)


def test_performance_tab_controls_colours_bars_and_escaping(page, tenant, screenshots):
    exp, rows = seed_sklearn(
        tenant.project, candidates=6, steps=30, names=[SCRIPT, IMG, "rf-2", "rf-3"], extra_param=IMG
    )
    sign_in(page, tenant.owner)
    url = f"/{tenant.project.path}/-/ml/experiments/{exp.iid}/performance/"
    page.goto(url, wait_until="commit")
    wait_loaded(page)
    page.wait_for_selector('#points-box[data-loaded="1"]')
    page.wait_for_selector('#summary-box[data-loaded="1"] #summary')
    page.wait_for_selector("#contour .main-svg")

    # A metric logged once per candidate is a bar per candidate, not a dot on a -1..1 axis.
    accuracy = chart(page, "accuracy")
    assert [t["type"] for t in accuracy] == ["bar"] and len(accuracy[0]["customdata"]) == 6
    loss = chart(page, "loss")
    assert {t["type"] for t in loss} == {"scatter"} and len(loss) == 6

    # One colour per candidate on every chart (line, bar, scatter), distinct between candidates.
    line_colour = {t["meta"]["candidate_id"]: t["colour"] for t in loss}
    bar_colour = dict(zip(accuracy[0]["customdata"], accuracy[0]["colours"], strict=True))
    assert line_colour == bar_colour and len(set(line_colour.values())) == 6
    scatter = page.evaluate(
        "() => { const t = document.querySelector('#scatter').data[0];"
        " return [Array.from(t.customdata), Array.from(t.marker.color)]; }"
    )
    assert dict(zip(*scatter, strict=True)) == line_colour

    # User text reaches Plotly escaped and shows literally; nothing ran.
    names = [t["name"] for t in loss]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; #1" in names
    assert '"&gt;&lt;img src=x onerror=alert(2)&gt; #2' in names
    assert page.locator("#chart-legend").inner_text().count(SCRIPT + " #1") == 1
    assert SCRIPT in page.locator("#summary").inner_text()
    page.select_option("#scatter-x", f"params.{IMG}")
    x_title = page.evaluate("() => document.querySelector('#scatter').layout.xaxis.title.text")
    assert x_title == '"&gt;&lt;img src=x onerror=alert(2)&gt;'
    assert page.locator("#scatter .xtitle").text_content() == IMG
    assert (
        page.locator("#parcoords [data-full]").evaluate_all("ns => ns.map(n => n.dataset.full)").count(IMG)
        == 1
    )
    for box in ("#metric-charts", "#scatter", "#parcoords", "#contour", "#summary-box", "#chart-legend"):
        assert page.locator(f"{box} img, {box} script").count() == 0
    keep(screenshots, page, "charts-performance-escaping.png")

    # Parallel coordinates: the constant random_state is dropped, long labels shortened (full text on hover).
    full = page.locator("#parcoords [data-full]").evaluate_all("ns => ns.map(n => n.dataset.full)")
    assert "random_state" not in full and {"n_estimators", "max_depth", "criterion", "accuracy"} <= set(full)
    assert page.evaluate("() => document.querySelector('#contour').data[0].type") == "contour"

    # X axis: wall time (a date axis) and relative time (seconds from each trace's first point).
    page.select_option("#chart-x", "wall")
    page.wait_for_function(
        "() => document.querySelector('.metric-chart[data-metric=loss]').layout.xaxis.type === 'date'"
    )
    page.select_option("#chart-x", "relative")
    page.wait_for_function(
        "() => document.querySelector('.metric-chart[data-metric=loss]').layout.xaxis.type === 'linear'"
    )
    loss = chart(page, "loss")
    assert all(t["x"][0] == 0 and t["x"][1] == 1 for t in loss)
    assert chart(page, "loss", "layout")["xaxis"]["title"]["text"] == "relative time (s)"

    # Smoothing: each candidate gets a smoothed line over its faint raw one.
    page.locator("#chart-smooth").fill("0.8")
    page.wait_for_function(
        "() => document.querySelector('.metric-chart[data-metric=loss]').data.length === 12"
    )
    loss = chart(page, "loss")
    raw = [t for t in loss if t["meta"].get("raw")]
    smooth = [t for t in loss if t["meta"].get("smoothed")]
    assert len(raw) == len(smooth) == 6 and all(t["opacity"] == 0.25 for t in raw)
    spiky = next(t for t in raw if t["meta"]["candidate_id"] == rows[0].pk)
    spiky_smooth = next(t for t in smooth if t["meta"]["candidate_id"] == rows[0].pk)
    assert max(spiky["y"]) > 5 and max(spiky_smooth["y"]) < max(spiky["y"])
    assert page.locator("#chart-smooth-value").inner_text() == "0.80"

    # Log scale and ignore outliers (the spike of candidate #1 no longer sets the y range).
    page.check("#chart-log")
    page.wait_for_function(
        "() => document.querySelector('.metric-chart[data-metric=loss]').layout.yaxis.type === 'log'"
    )
    page.uncheck("#chart-log")
    page.check("#chart-outliers")
    page.wait_for_function(
        "() => !!document.querySelector('.metric-chart[data-metric=loss]').layout.yaxis.range"
    )
    y_range = chart(page, "loss", "layout")["yaxis"]["range"]
    assert y_range[1] < 5
    page.check("#chart-log")
    page.wait_for_function(
        "() => document.querySelector('.metric-chart[data-metric=loss]').layout.yaxis.type === 'log'"
    )

    # The state is in the URL: a reload (or a shared link) draws the same view.
    assert page.evaluate("location.hash") == "#x=relative&smooth=0.8&log=1&outliers=1"
    keep(screenshots, page, "charts-performance-controls.png")
    page.reload(wait_until="commit")
    wait_loaded(page)
    assert page.input_value("#chart-x") == "relative" and page.input_value("#chart-smooth") == "0.8"
    assert page.is_checked("#chart-log") and page.is_checked("#chart-outliers")
    layout = chart(page, "loss", "layout")
    assert layout["yaxis"]["type"] == "log" and layout["xaxis"]["title"]["text"] == "relative time (s)"
    assert len(chart(page, "loss")) == 12

    # Hovering a legend entry emphasises that candidate on every chart and fades the rest.
    page.locator(f'#chart-legend [data-candidate="{rows[2].pk}"]').hover()
    page.wait_for_function(
        "() => document.querySelector('.metric-chart[data-metric=accuracy]').data[0].marker.opacity.some(o => o < 1)"
    )
    loss = chart(page, "loss")
    assert all((t["opacity"] or 1) < 0.2 for t in loss if t["meta"]["candidate_id"] != rows[2].pk)
    assert (
        next(t for t in loss if t["meta"].get("smoothed") and t["meta"]["candidate_id"] == rows[2].pk)[
            "opacity"
        ]
        == 1
    )
    page.goto(url, wait_until="commit")  # back to the default view for the picture
    wait_loaded(page)
    page.wait_for_selector("#contour .main-svg")
    page.screenshot(path=str(screenshots / "charts-performance-after-full.png"), full_page=True)
    keep(screenshots, page, "performance-after.png", docs=True)
    assert not [d for d in page.dialogs if d[0] == "alert"], page.dialogs


def test_hundred_candidates_overlay_in_distinct_colours(page, tenant, screenshots):
    exp, rows = seed_sklearn(tenant.project, candidates=100, steps=50)
    sign_in(page, tenant.owner)
    page.goto(
        f"/{tenant.project.path}/-/ml/experiments/{exp.iid}/performance/#smooth=0.6",
        wait_until="commit",
    )
    wait_loaded(page)
    loss = chart(page, "loss")
    smoothed = [t for t in loss if t["meta"].get("smoothed")]
    assert len(smoothed) == 100 and all(len(t["x"]) == 50 for t in smoothed)
    assert len({t["colour"] for t in smoothed}) == 100
    assert page.locator("#chart-legend [data-candidate]").count() == 100
    assert page.locator("#metric-charts-note").is_hidden()
    assert page.locator(".metric-chart[data-metric=loss] .main-svg").count() >= 1
    page.locator(".metric-chart[data-metric=loss]").scroll_into_view_if_needed()
    keep(screenshots, page, "charts-hundred-traces.png", docs=True)


def test_candidate_page_charts_bars_and_controls(page, tenant, screenshots):
    exp, rows = seed_sklearn(tenant.project, candidates=2, steps=30, names=[SCRIPT])
    sign_in(page, tenant.owner)
    page.goto(f"/{tenant.project.path}/-/ml/candidates/{rows[0].pk}/#x=relative", wait_until="commit")
    wait_loaded(page)
    assert page.input_value("#chart-x") == "relative"
    assert [t["type"] for t in chart(page, "roc_auc")] == ["bar"]
    loss = chart(page, "loss")
    assert loss[0]["name"] == "&lt;script&gt;alert(1)&lt;/script&gt; #1" and loss[0]["x"][:2] == [0, 1]
    assert page.locator("#metric-charts img, #metric-charts script").count() == 0
    page.locator("#metric-charts").scroll_into_view_if_needed()
    keep(screenshots, page, "charts-candidate.png", docs=True)
    assert not [d for d in page.dialogs if d[0] == "alert"], page.dialogs
