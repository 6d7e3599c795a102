"""The compare page in Chromium: data and images logged by the real mlflow client (log_image with a key and steps,
log_artifact of a PNG), selected on the experiment table, then the only-differences toggle, the curves' legends,
the scatter / parallel coordinates and the step slider checked in the browser."""

import time

import pytest
from mlflow.entities import Metric, Param

from tests.e2e.conftest import sign_in

XSS = "</script><script>alert(1)</script>"
XSS2 = '"><img src=x onerror=alert(1)>'
COLORS = [(200, 30, 30), (30, 160, 60), (40, 70, 200)]

pytestmark = pytest.mark.django_db(transaction=True)


def log_runs(client, tmp_path):
    from PIL import Image

    exp_id = client.create_experiment("e2e-compare")
    now = int(time.time() * 1000)
    names = ["cand-a", XSS, XSS2]
    for i, name in enumerate(names):
        run = client.create_run(
            exp_id, run_name=name, tags={"team": "vision", "note": XSS if i == 1 else "ok"}
        )
        run_id = run.info.run_id
        metrics = [Metric("loss", 1 / (2 + s + i), now + s, s) for s in range(15)]
        params = [
            Param("lr", str(0.1 / (i + 1))),
            Param("seed", "7"),
            Param("comment", XSS2 if i else "plain"),
        ]
        client.log_batch(run_id, metrics=metrics, params=params)
        for step in range(3):  # one image per step, its shade grows with the step
            r, g, b = COLORS[i]
            shade = 0.4 + 0.3 * step
            image = Image.new("RGB", (64, 64), (int(r * shade), int(g * shade), int(b * shade)))
            client.log_image(run_id, image, key="digits", step=step)
        png = tmp_path / f"confusion_matrix_{i}" / "confusion_matrix.png"
        png.parent.mkdir()
        Image.new("RGB", (80, 80), COLORS[i]).save(png)
        client.log_artifact(run_id, str(png))
        client.set_terminated(run_id)
    return exp_id


def test_compare_in_chromium(page, mlflow_client, tenant, screenshots, tmp_path):
    log_runs(mlflow_client, tmp_path)
    project = tenant.project.path
    sign_in(page, tenant.owner)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"/{project}/-/ml/experiments/")
    page.locator("#experiments a", has_text="e2e-compare").click()
    page.wait_for_selector("#candidates")
    page.locator("#select-all").check()
    assert page.locator("#selection-count").inner_text() == "3 selected"
    page.click("#compare-btn")
    page.wait_for_selector("#compare")
    page.wait_for_selector('#metric-charts[data-loaded="1"]', timeout=90_000)  # a loaded 2-core CI box
    assert page.dialogs == [] and errors == []  # no payload ran, no script error

    # The diff table: seed and team are the same everywhere, lr and note differ.
    assert page.locator('#compare tr.same[data-param="seed"]').is_visible()
    assert page.locator('#compare tr.same[data-metadata="team"]').is_visible()
    page.screenshot(path=str(screenshots / "compare-table.png"))
    page.check("#only-diff")
    assert not page.locator('#compare tr.same[data-param="seed"]').is_visible()
    assert not page.locator('#compare tr.same[data-metadata="team"]').is_visible()
    assert page.locator('#compare tr.diff[data-param="lr"]').is_visible()
    assert page.locator('#compare tr.diff[data-metadata="note"]').is_visible()
    assert page.locator("#compare thead th", has_text=XSS).count() == 1  # shown as text
    page.screenshot(path=str(screenshots / "compare-only-differences.png"))
    page.uncheck("#only-diff")
    assert page.locator('#compare tr.same[data-param="seed"]').is_visible()

    # Curves: one trace per candidate, named `#iid name`, the user text entity-escaped for Plotly.
    traces = page.evaluate(
        "() => Array.from(document.querySelectorAll('.metric-chart')).map(d => d.data.map(t => t.name))"
    )
    assert len(traces) == 1 and sorted(traces[0]) == [
        "#1 cand-a",
        "#2 &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
        '#3 "&gt;&lt;img src=x onerror=alert(1)&gt;',
    ]
    legend = page.locator(".metric-chart .legend").text_content()
    assert XSS in legend and XSS2 in legend  # Plotly shows the text literally
    assert page.locator(".metric-chart .legend img").count() == 0
    page.locator("#metric-charts").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "compare-curves.png"))
    page.locator("#compare-parallel").scroll_into_view_if_needed()  # drawn when it comes into view (WebGL)
    page.wait_for_selector('#compare-parallel[data-loaded="1"]', timeout=90_000)
    assert page.locator("#compare-parallel .parcoords").count() == 1
    assert page.locator("#compare-scatter .scatterlayer .point").count() == 3
    page.locator("#compare-scatter").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "compare-scatter-parallel.png"))

    # Images: the same path side by side, and the log_image series with one slider for all candidates.
    row = page.locator('.image-row[data-path="confusion_matrix.png"]')
    assert row.locator("img").count() == 3
    naturals = row.locator("img").evaluate_all("imgs => imgs.map(i => i.complete && i.naturalWidth)")
    assert naturals == [80, 80, 80]
    assert XSS in row.locator("figcaption").all_inner_texts()[1]  # columns in the table's order: #3, #2, #1
    series = page.locator('.image-series[data-key="digits"]')
    slider = series.locator("input[type=range]")
    assert series.locator("output").inner_text() == "2"
    last = series.locator("img").evaluate_all("imgs => imgs.map(i => i.getAttribute('src'))")
    slider.fill("0")
    assert series.locator("output").inner_text() == "0"
    first = series.locator("img").evaluate_all("imgs => imgs.map(i => i.getAttribute('src'))")
    assert all(a != b for a, b in zip(first, last, strict=True)) and len(set(first)) == 3
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.image-series img')).every(i => i.complete && i.naturalWidth)"
    )
    pixel = page.evaluate(
        """() => { const img = document.querySelector('.image-series img'); const c = document.createElement('canvas');
                   c.width = c.height = 1; const x = c.getContext('2d'); x.drawImage(img, 0, 0, 1, 1);
                   return Array.from(x.getImageData(0, 0, 1, 1).data.slice(0, 3)); }"""
    )
    assert abs(pixel[2] - int(200 * 0.4)) <= 6  # step 0 of the first column (#3, blue): its darkest shade
    page.locator("#compare-images").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "compare-images.png"))
    assert page.dialogs == []
