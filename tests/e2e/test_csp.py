"""Every page of the app under its Content-Security-Policy, in real Chromium: the policy is sent, nothing on the
page violates it (no inline script or style, no eval, nothing from another origin) and no page script throws.

One browser, one walk through the pages; each page is also used a little (charts drawn, selects changed, rows
selected), so a script that lost its data when it moved out of the template shows up as a failure here.
"""

import io

import pytest

from candidates.models import CandidateLatestMetric, CandidateMetric
from ci_integration.services import ci_link_candidate_from_metadata
from model_registry import services as registry
from model_registry.locations import location_for_candidate_model
from packages_registry import services as packages
from packages_registry.selectors import package_url
from tests.e2e.conftest import sign_in
from tests.model_registry.factories import make_candidate_with_model_folder
from tests.packages_registry.helpers import artifacts_dir  # noqa: F401 - fixture
from tests.pages.conftest import add_metadata, seed_experiment
from tests.pages.runpage_seed import seed_artifacts, seed_image_series, seed_logged_model

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("artifacts_dir")]

WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


def _plotly_html() -> bytes:
    import plotly.graph_objects as go

    figure = go.Figure(go.Scatter(x=[0, 1, 2], y=[3, 1, 2], name="logged-figure"))
    return figure.to_html(include_plotlyjs=True, full_html=True).encode()


def _seed(tenant):
    project = tenant.project
    tenant.owner.is_staff = tenant.owner.is_superuser = True
    tenant.owner.save()
    with_model = make_candidate_with_model_folder(
        project, experiment_name="models-exp", params={"lr": "0.1"}, metrics={"auc": 0.9}
    )
    exp, candidates = seed_experiment(
        project, name="csp-exp", iid=50, candidates=4, steps=40, user=tenant.owner
    )
    add_metadata(
        candidates[1], team="vision", gitlab__CI_JOB_ID="12", gitlab__CI_JOB_URL="javascript:alert(1)"
    )
    ci_link_candidate_from_metadata(candidate_id=candidates[1].pk, names=["gitlab.CI_JOB_ID"])
    model = registry.model_create(project=project, name="fraud", description="Catches fraud")
    location = location_for_candidate_model(with_model)
    version = registry.model_version_create(model=model, location=location, source=location.uri)
    package = packages.package_get_or_create(project=project, name="figures", version="1")

    def upload(path, data):
        return packages.package_file_upload(package=package, path=path, stream=io.BytesIO(data))

    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (64, 40), (10, 120, 200)).save(png, format="PNG")
    files = {
        "html": upload("plots/figure.html", _plotly_html()),
        "png": upload("plots/curve.png", png.getvalue()),
    }
    upload("notes.txt", b"hello")
    # The candidate page's artifact viewer, image series, logged models and system metrics (issue 14).
    seed_artifacts(candidates[1], {"report.html": _plotly_html(), "eval/metrics.json": '{"a": 1}'})
    seed_image_series(candidates[1], steps=3)
    logged = seed_logged_model(candidates[1])
    CandidateMetric.objects.bulk_create(
        [
            CandidateMetric(candidate=candidates[1], name="system/cpu", value=s, step=s, timestamp=s)
            for s in range(5)
        ]
    )
    CandidateLatestMetric.objects.create(
        candidate=candidates[1], name="system/cpu", value=4, step=4, timestamp=4
    )
    base = f"/{project.path}/-/"
    return {
        "exp": f"{base}ml/experiments/{exp.iid}/",
        "candidate": f"{base}ml/candidates/{candidates[1].pk}/",
        "running_candidate": f"{base}ml/candidates/{candidates[0].pk}/",
        "candidate_html": f"{base}ml/candidates/{candidates[1].pk}/?artifact=report.html",
        "candidate_json": f"{base}ml/candidates/{candidates[1].pk}/?artifact=eval/metrics.json",
        "logged_model": f"{base}ml/logged-models/{logged.model_id}/",
        "compare": f"{base}ml/experiments/{exp.iid}/compare/?"
        + "&".join(f"c={c.pk}" for c in candidates[:3]),
        "models": f"{base}ml/models/",
        "model": f"{base}ml/models/{model.pk}/",
        "version": f"{base}ml/models/{model.pk}/versions/{version.pk}/",
        "promote": f"{base}ml/models/promote?candidate={with_model.pk}",
        "packages": f"{base}packages/",
        "package": package_url(package=package),
        "html_file": f"{package_url(package=package)}files/{files['html'].pk}/",
        "png_file": f"{package_url(package=package)}files/{files['png'].pk}/",
        "experiments": f"{base}ml/experiments/",
    }


class Watched:
    """Console CSP reports, `securitypolicyviolation` events and uncaught errors of one page, all frames."""

    def __init__(self, page):
        self.page = page
        self.console: list[str] = []
        self.errors: list[str] = []
        page.add_init_script(WATCH)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))
        page.on("response", self._response)

    def _console(self, message):
        # A failed load is reported by URL in _response (Chromium's console line has no URL).
        if "Failed to load resource" in message.text:
            return
        if "Content Security Policy" in message.text or message.type == "error":
            self.console.append(f"{self.page.url}: [{message.type}] {message.text}")

    def _response(self, response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.errors.append(f"{response.status} {response.url}")

    def visit(self, url: str, *, ready: str | None = None):
        response = self.page.goto(url)
        assert response.status == 200, url
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, (url, policy)
        assert "unsafe-inline" not in policy.split("style-src")[0], policy  # never for scripts
        if ready:
            self.page.wait_for_selector(ready)
        self.check()

    def check(self):
        self.page.wait_for_load_state("load")
        violations = [v for f in self.page.frames for v in _frame_violations(f)]
        assert violations == [], violations
        assert self.console == [], self.console
        assert self.errors == [], self.errors


def _frame_violations(frame) -> list[str]:
    try:
        return frame.evaluate("window.__cspViolations || []")
    except Exception:  # noqa: BLE001 - a frame that navigated away has nothing to report
        return []


def test_every_page_runs_under_the_policy_without_violations_or_errors(
    page, tenant, live_server, screenshots
):
    urls = _seed(tenant)
    watched = Watched(page)

    watched.visit("/users/sign_in", ready="#sign-in")
    watched.visit("/admin/login/", ready="#login-form")
    sign_in(page, tenant.owner)
    watched.visit("/", ready="#projects")
    watched.visit("/-/ci/status")
    watched.visit("/admin/", ready="#content-main")
    watched.visit("/admin/candidates/candidate/", ready="#result_list")
    watched.visit(f"/admin/projects/project/{tenant.project.pk}/change/", ready="form")

    watched.visit(urls["experiments"], ready="#experiments")
    watched.visit(urls["exp"], ready="#candidates")
    boxes = page.locator("#candidates tbody input[name=c]")
    boxes.nth(1).check()
    boxes.nth(2).check()
    assert page.is_enabled("#compare-btn")  # assay.js still wires the table
    assert page.inner_text("#selection-count") == "2 selected"
    watched.check()

    watched.visit(urls["exp"] + "performance/", ready="#metric-charts[data-loaded='1'] .main-svg")
    page.wait_for_selector("#scatter .main-svg")
    page.wait_for_selector("#parcoords .main-svg")
    page.select_option("#scatter-x", index=1)
    page.select_option("#parcoords-metric", index=1)
    page.locator("#metric-charts .js-plotly-plot").first.hover()
    page.screenshot(path=str(screenshots / "csp-performance.png"), full_page=True)
    watched.check()

    watched.visit(urls["compare"], ready="#metric-charts[data-loaded='1'] .main-svg")
    watched.visit(urls["candidate"], ready="#metric-charts[data-loaded='1'] .main-svg")
    assert page.locator("#ci a[href^='javascript:']").count() == 0
    watched.visit(urls["running_candidate"], ready="#metric-charts[data-loaded='1'] .main-svg")
    watched.visit(urls["candidate_html"], ready="#system-metric-charts[data-loaded='1'] .main-svg")
    page.locator("#artifact-frame").element_handle().content_frame().wait_for_selector(".main-svg")
    page.locator("#image-series .series-slider").first.fill("0")
    assert page.locator("#image-series .series-step").first.inner_text() == "0"
    watched.check()
    watched.visit(urls["candidate_json"], ready="#artifact-text .highlight")
    watched.visit(urls["logged_model"], ready="#model-name")

    watched.visit(urls["models"], ready="tr[data-model='fraud']")
    watched.visit(urls["model"])
    watched.visit(urls["version"], ready="#version-semver")
    watched.visit(urls["promote"], ready="#id_model")
    page.select_option("#id_model", label="New model…")  # the form may preselect a model that fits
    assert page.is_visible("#new-model-row")
    page.select_option("#id_model", label="fraud")
    assert not page.is_visible("#new-model-row")  # the promote form's script still runs
    assert page.get_attribute("#id_version", "placeholder") == "2.0.0"
    watched.check()

    watched.visit(urls["packages"])
    watched.visit(urls["package"], ready="#files img.thumb")
    # The element can be in the DOM before its image has loaded (seen on a loaded machine): wait for the load.
    page.wait_for_function("() => document.querySelector('#files img.thumb').complete")
    assert page.evaluate("document.querySelector('#files img.thumb').naturalWidth") > 0
    watched.visit(urls["png_file"], ready="img.file-image")
    page.wait_for_function("() => document.querySelector('img.file-image').complete")
    assert page.evaluate("document.querySelector('img.file-image').naturalWidth") == 64
    watched.visit(urls["html_file"], ready="#file-frame")
    figure = page.locator("#file-frame").element_handle().content_frame()
    figure.wait_for_selector(".main-svg")  # the logged Plotly figure draws inside its sandbox
    page.screenshot(path=str(screenshots / "csp-html-artifact.png"), full_page=True)
    watched.check()
