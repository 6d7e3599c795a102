"""The whole dashboard in a real browser: data logged by the real mlflow client, then every page checked.

Few, broad tests: the browser start is the expensive part. Screenshots go to $ASSAY_SCREENSHOT_DIR.
"""

import time

import pytest
from mlflow.entities import Metric, Param

from candidates.models import Candidate
from experiments.models import Lifecycle
from tests.e2e.conftest import sign_in

XSS = "</script><script>alert(1)</script>"
RUNS = [
    ("cand-0", "0.1", "sgd"),
    ("cand-1", "0.01", "adam"),
    ("cand-2", "0.001", "adam"),
    ("cand-3", "0.05", "sgd"),
]

pytestmark = pytest.mark.django_db(transaction=True)


def log_data(client):
    exp_id = client.create_experiment("e2e-vision")
    now = int(time.time() * 1000)
    for i, (name, lr, opt) in enumerate(RUNS):
        run = client.create_run(exp_id, run_name=name)
        metrics = [Metric("loss", 1 / (2 + s + i), now + s, s) for s in range(20)]
        metrics += [Metric("acc", 0.5 + 0.01 * (s + i), now + s, s) for s in range(20)]
        client.log_batch(run.info.run_id, metrics=metrics, params=[Param("lr", lr), Param("opt", opt)])
        client.set_terminated(run.info.run_id)
    evil = client.create_run(exp_id, run_name=XSS, tags={"note": XSS})
    client.log_batch(
        evil.info.run_id,
        metrics=[Metric("loss", 0.75, now, 0)],
        params=[Param("lr", "0.2"), Param("opt", XSS)],
    )
    client.set_terminated(evil.info.run_id)
    live = client.create_run(exp_id, run_name="live-run")
    client.log_batch(
        live.info.run_id,
        metrics=[Metric("loss", 0.9, now, 0)],
        params=[Param("lr", "0.3"), Param("opt", "sgd")],
    )
    return exp_id, live.info.run_id


def chart_traces(page, selector):
    """Plotly keeps the figure on the div: read the trace names and point counts in the browser."""
    return page.evaluate(
        """sel => Array.from(document.querySelectorAll(sel)).map(d => ({
              metric: d.dataset.metric || d.id,
              traces: (d.data || []).map(t => ({name: t.name, type: t.type,
                                                 n: (t.x || (t.dimensions || [])).length}))}))""",
        selector,
    )


def no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


def test_dashboard_end_to_end(page, mlflow_client, tenant, screenshots):
    exp_id, live_run_id = log_data(mlflow_client)
    project = tenant.project.path

    page.goto("/users/sign_in")
    page.screenshot(path=str(screenshots / "01-sign-in.png"))
    sign_in(page, tenant.owner)
    page.goto("/")
    assert page.locator("#projects").inner_text().count("acme/vision") == 1
    page.screenshot(path=str(screenshots / "02-projects.png"))

    # Experiments list.
    page.goto(f"/{project}/-/ml/experiments/")
    row = page.locator("#experiments tbody tr", has_text="e2e-vision")
    assert row.locator("td.num").inner_text() == "6"
    assert "1 running" in row.inner_text()
    page.screenshot(path=str(screenshots / "03-experiments.png"), full_page=True)

    # Candidates tab: values, escaping, sort, filter.
    row.locator("a").first.click()
    page.wait_for_selector("#candidates")
    exp_url = f"/{project}/-/ml/experiments/{exp_id}/"
    assert page.locator("#candidates tbody tr").count() == 6
    cand1 = page.locator("#candidates tbody tr", has_text="cand-1")
    assert cand1.locator('td[data-metric="loss"]').inner_text() == f"{1 / (2 + 19 + 1):.6g}"
    assert cand1.locator("td.param").first.inner_text() == "0.01"
    assert page.get_by_text(XSS, exact=True).count() >= 2  # the name and the param show literally
    assert no_horizontal_scroll(page)
    page.screenshot(path=str(screenshots / "04-experiment-candidates.png"), full_page=True)

    page.locator('th[data-key="metrics.loss"] a').click()  # desc first
    page.wait_for_selector('th[data-key="metrics.loss"][aria-sort="descending"]')
    assert page.locator("#candidates tbody tr td.name a").first.inner_text() == "live-run"
    page.locator('th[data-key="metrics.loss"] a').click()
    page.wait_for_selector('th[data-key="metrics.loss"][aria-sort="ascending"]')
    assert page.locator("#candidates tbody tr td.name a").first.inner_text() == "cand-3"

    page.fill("input[name=filter]", "params.opt = 'adam' AND metrics.loss < 0.05")
    page.click("#filter-form button[type=submit]")
    page.wait_for_url("**filter=**")
    names = page.locator("#candidates tbody td.name a").all_inner_texts()
    assert names == ["cand-2", "cand-1"]
    page.fill("input[name=filter]", "metrics.loss >>> 2")
    page.click("#filter-form button[type=submit]")
    assert "Filter:" in page.locator("[role=alert]").inner_text()

    # Live: the running candidate's numbers change without a reload, and polling stops when it ends.
    page.goto(exp_url)
    page.evaluate("window.__marker = 1")
    mlflow_client.log_metric(live_run_id, "loss", 0.123, step=1)
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('#candidates td[data-metric="loss"]'))
                 .some(td => td.textContent.trim() === '0.123')""",
        timeout=30_000,
    )
    mlflow_client.set_terminated(live_run_id)
    page.wait_for_function("document.querySelector('#candidates').dataset.running === '0'", timeout=30_000)
    assert page.evaluate("window.__marker") == 1  # same document: no reload happened

    # Performance tab: one trace per candidate on each metric chart, scatter and parallel coordinates.
    page.click(".tabs a:has-text('Performance')")
    page.wait_for_selector('#metric-charts[data-loaded="1"]')
    page.wait_for_function("document.querySelector('#parcoords').data !== undefined")
    charts = {c["metric"]: c["traces"] for c in chart_traces(page, ".metric-chart")}
    assert set(charts) == {"acc", "loss"}
    assert len(charts["loss"]) == 6 and len(charts["acc"]) == 4
    loss_by_name = {t["name"]: t["n"] for t in charts["loss"]}
    assert loss_by_name["cand-0 #1"] == 20 and loss_by_name["live-run #6"] == 2
    assert "&lt;/script&gt;" in "".join(loss_by_name)  # escaped for Plotly's HTML-ish labels
    scatter = chart_traces(page, "#scatter")[0]["traces"]
    assert scatter[0]["type"] == "scatter" and scatter[0]["n"] == 6
    par = chart_traces(page, "#parcoords")[0]["traces"]
    assert par[0]["type"] == "parcoords"
    assert page.locator("#summary tr[data-metric=loss]").inner_text().count("cand-") >= 1
    page.screenshot(path=str(screenshots / "05-experiment-performance.png"), full_page=True)

    # Candidate page.
    page.goto(exp_url)
    page.locator("#candidates td.name a", has_text="cand-1").click()
    page.wait_for_selector('#metric-charts[data-loaded="1"]')
    assert page.locator("#params").inner_text().count("0.01") == 1
    assert "loss" in page.locator("#metrics").inner_text()
    cand_charts = {c["metric"]: c["traces"] for c in chart_traces(page, ".metric-chart")}
    assert cand_charts["loss"][0]["n"] == 20
    cand1_pk = Candidate.objects.get(name="cand-1").pk
    promote = page.locator("#promote-link")
    assert promote.is_visible() and promote.inner_text() == "Promote to model version"
    assert promote.get_attribute("href") == f"/{project}/-/ml/models/promote?candidate={cand1_pk}"
    page.screenshot(path=str(screenshots / "06-candidate.png"), full_page=True)
    page.goto(exp_url)
    page.locator("#candidates td.name a", has_text="alert(1)").click()
    assert page.locator("#metadata").inner_text().strip().endswith(XSS)
    assert page.locator("#candidate-name").inner_text() == XSS

    # Compare two candidates.
    page.goto(exp_url)
    for name in ("cand-0", "cand-1"):
        page.locator("#candidates tbody tr", has_text=name).locator("input[name=c]").check()
    page.click("#compare-btn")
    page.wait_for_selector("#compare")
    page.wait_for_selector('#metric-charts[data-loaded="1"]')
    assert page.locator('#compare tr.diff[data-param="lr"]').count() == 1
    assert page.locator('#compare tr.diff[data-param="opt"]').count() == 1  # sgd vs adam
    compare_charts = {c["metric"]: len(c["traces"]) for c in chart_traces(page, ".metric-chart")}
    assert compare_charts == {"acc": 2, "loss": 2}
    page.screenshot(path=str(screenshots / "07-compare.png"), full_page=True)

    # Delete with confirmation.
    page.goto(exp_url)
    page.locator("#candidates tbody tr", has_text="cand-3").locator("input[name=c]").check()
    page.click("#delete-btn")
    page.wait_for_selector("#delete-list")
    assert "cand-3" in page.locator("#delete-list").inner_text()
    page.screenshot(path=str(screenshots / "08-delete-confirm.png"))
    page.click("#confirm-delete")
    page.wait_for_selector(".messages")
    assert "Deleted 1 candidate." in page.locator(".messages").inner_text()
    assert page.locator("#candidates tbody tr", has_text="cand-3").count() == 0
    assert Candidate.objects.get(name="cand-3").lifecycle == Lifecycle.DELETED

    # A phone-sized screen: still no sideways page scroll (wide tables scroll inside their frame).
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(exp_url)
    assert no_horizontal_scroll(page)
    page.screenshot(path=str(screenshots / "09-experiment-phone.png"), full_page=True)

    assert not [d for d in page.dialogs if d[0] == "alert"], page.dialogs
