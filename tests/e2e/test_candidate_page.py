"""Issue 14 in a real browser: a real sklearn script logs through the MLflow 3 client (params, 50-step metrics,
system-like metrics, a description, a directory of artifacts, CSV/JSON/HTML files, log_image with steps,
log_figure, sklearn log_model + register_model, a child run); the candidate page then shows each of them."""

import re

import pytest

from candidates.models import Candidate
from tests.e2e.conftest import sign_in
from tests.runpage_logging import COMMIT, log_sklearn_run

pytestmark = pytest.mark.django_db(transaction=True)


def _shot(locator, path):
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(path))


def test_candidate_page_shows_everything_the_run_produced(page, mlflow_env, tenant, screenshots, tmp_path):
    logged = log_sklearn_run(tmp_path)
    candidate = Candidate.objects.get(eid=logged["run_id"])
    child = Candidate.objects.get(eid=logged["child_run_id"])
    url = f"/{tenant.project.path}/-/ml/candidates/{candidate.pk}/"
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(page, tenant.owner)
    # The shared CI box can be very busy (Plotly alone takes seconds to parse there): generous timeouts.
    page.set_default_timeout(90_000)
    page.set_default_navigation_timeout(90_000)
    page.goto(url)

    # Description (Markdown), lineage, git commit.
    assert page.locator("#description-text h1").inner_text() == "Baseline"
    assert page.locator("#description-text strong").inner_text() == "logistic regression"
    assert page.locator("#children a").inner_text() == "child-fold-1"
    assert (
        page.locator("#git-commit a").get_attribute("href")
        == f"https://github.com/acme/vision/commit/{COMMIT}"
    )

    # System metrics apart from model metrics, each with charts.
    assert "system/" not in page.locator("#metrics").inner_text()
    assert page.locator("#system-metrics-table tbody tr").count() == 2
    page.wait_for_selector("#system-metric-charts[data-loaded='1']")
    assert page.locator("#system-metric-charts .system-chart").count() == 2
    page.wait_for_selector("#metric-charts[data-loaded='1']")
    metric_charts = page.eval_on_selector_all(
        "#metric-charts .metric-chart", "els => els.map(e => e.dataset.metric)"
    )
    assert sorted(metric_charts) == ["accuracy", "loss"]

    # Models: the MLflow 3 logged model with flavors, signature, files and its registered version.
    model = page.locator(f".logged-model[data-model-id='{logged['model_id']}']")
    assert model.locator(".model-name").inner_text() == "iris-model"
    assert "sklearn" in model.locator(".model-flavors").inner_text()
    assert "sepal length (cm)" in model.locator(".signature-inputs").inner_text()
    assert model.locator(".model-status").inner_text() == "ready"
    assert "iris-classifier" in model.locator(".model-versions").inner_text()
    _shot(page.locator("#models"), screenshots / "runpage-models.png")

    # Artifact tree: nested folders expand; CSV as a table.
    tree = page.locator("#artifact-tree")
    for name in ("outputs/", "eval/", "figures/", "images/", "predictions.csv", "report.html"):
        assert name in tree.inner_text()
    tree.locator("summary", has_text="outputs/").click()
    tree.locator("summary", has_text="reports/").click()
    tree.locator("summary", has_text="deep/").click()
    assert tree.locator("a", has_text="notes.md").is_visible()
    tree.locator("a", has_text="predictions.csv").click()
    page.wait_for_selector("#artifact-table")
    assert page.locator("#artifact-table thead").inner_text().split() == ["id", "label", "score"]
    assert page.locator("#artifact-table tbody tr").count() == 30
    _shot(page.locator("#artifacts"), screenshots / "runpage-artifacts-csv.png")

    # JSON highlighted; the figure full size; HTML in an opaque sandbox whose script cannot reach us.
    page.goto(url + "?artifact=eval/metrics.json")
    assert "threshold" in page.locator("#artifact-text .highlight").inner_text()
    page.goto(url + "?artifact=figures/curve.png")
    assert page.eval_on_selector("#artifact-image", "img => img.complete && img.naturalWidth > 100")
    page.goto(url + "?artifact=report.html")
    frame = page.locator("#artifact-frame")
    assert frame.get_attribute("sandbox") == "allow-scripts"
    body = page.frame_locator("#artifact-frame").locator("body[data-result]")
    assert body.get_attribute("data-result") == "parent-blocked,cookie-blocked"
    assert page.evaluate("document.title").startswith("baseline")

    # Image series: a grid with a step slider.
    page.goto(url)
    series = page.locator("#image-series .image-series").first
    assert series.locator(".series-key").inner_text() == "samples"
    assert series.locator(".series-step").inner_text() == "2"
    last_src = series.locator(".series-image").get_attribute("src")
    series.locator(".series-slider").fill("0")
    assert series.locator(".series-step").inner_text() == "0"
    assert series.locator(".series-image").get_attribute("src") != last_src
    page.wait_for_function("() => document.querySelector('#image-series .series-image').complete")
    _shot(page.locator("#image-series"), screenshots / "runpage-image-series.png")

    # Editing the description (owner >= developer).
    page.locator("#edit-description").click()
    page.fill("#description-form textarea", "## Tuned\n\nNow with *C=0.5*.")
    page.click("#save-description")
    page.wait_for_selector("#description-text h2")
    assert page.locator("#description-text em").inner_text() == "C=0.5"
    _shot(page.locator("#description"), screenshots / "runpage-description.png")

    # The child links back; the logged model page shows its source run.
    page.goto(f"/{tenant.project.path}/-/ml/candidates/{child.pk}/")
    assert page.locator("#parent-link a").inner_text() == "baseline"
    page.goto(f"/{tenant.project.path}/-/ml/logged-models/{logged['model_id']}/")
    assert page.locator("#source-candidate a").inner_text() == "baseline"
    assert re.search(r"\d+ files?", page.locator("main, .content").first.inner_text())
    page.screenshot(path=str(screenshots / "runpage-logged-model.png"))
    assert violations == []
