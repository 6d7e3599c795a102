"""Stored XSS through artifacts, in real Chromium: a script inside an uploaded HTML or SVG file (or a file uploaded
as `text/html`) never runs with the site's origin: it cannot read the viewer's cookies, make a same-origin request
as the viewer, or touch the page that shows it."""

import io
import json

import pytest
from playwright.sync_api import Error as PlaywrightError

from packages_registry import services
from packages_registry.selectors import package_url
from tests.e2e.conftest import browser, page, sign_in  # noqa: F401 - fixtures

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("artifacts_dir")]

PROBE = "probe-7f3a9c"
# What an attacker's script would try: read cookies, write to the framing page, read a page as the viewer.
ATTACK = """
var out = {ran: true};
try { out.cookie = document.cookie; } catch (e) { out.cookie = "blocked:" + e.name; }
try { window.top.name = "pwned"; out.top = "wrote"; } catch (e) { out.top = "blocked:" + e.name; }
function done() { document.documentElement.setAttribute("data-result", JSON.stringify(out)); }
fetch("%(target)s", {credentials: "include"}).then(function (r) { return r.text(); }).then(
  function (t) { out.fetch = "read:" + t.length; done(); }, function (e) { out.fetch = "blocked:" + e.name; done(); });
"""


def _files(tenant):
    target = f"/{tenant.project.path}/-/packages/"
    script = ATTACK % {"target": target}
    package = services.package_get_or_create(project=tenant.project, name="figures", version="1")

    def upload(path, data, content_type=None):
        return services.package_file_upload(
            package=package, path=path, stream=io.BytesIO(data.encode()), content_type=content_type
        )

    files = {
        "html": upload("plot.html", f"<html><body><p>figure</p><script>{script}</script></body></html>"),
        "svg": upload("plot.svg", f'<svg xmlns="http://www.w3.org/2000/svg"><script>{script}</script></svg>'),
        "declared_html": upload(
            "report", f"<html><body><script>{script}</script></body></html>", "text/html"
        ),
        "text": upload("notes.txt", f"<html><body><script>{script}</script></body></html>", "text/html"),
    }
    return package, {key: f"{package_url(package=package)}files/{f.pk}/" for key, f in files.items()}


def _signed_in(page, tenant, live_server):  # noqa: F811
    sign_in(page, tenant.reporter)
    # A readable cookie for the site, as any non-HttpOnly cookie would be: an origin-bound script could read it.
    page.context.add_cookies([{"name": "probe", "value": PROBE, "url": live_server.url}])
    assert PROBE in page.evaluate("document.cookie")


def _result(frame) -> dict:
    frame.wait_for_function("() => document.documentElement.hasAttribute('data-result')")
    return json.loads(frame.evaluate("document.documentElement.getAttribute('data-result')"))


def _assert_contained(result: dict):
    assert result["ran"] is True  # the figure's own script may run ...
    assert result["cookie"].startswith("blocked:"), result  # ... but not with our origin
    assert PROBE not in result["cookie"]
    assert result["fetch"].startswith("blocked:"), result


def test_html_artifact_opened_directly_runs_without_the_site_origin(page, tenant, live_server):  # noqa: F811
    _, urls = _files(tenant)
    _signed_in(page, tenant, live_server)
    page.goto(urls["html"] + "download?inline=1")
    _assert_contained(_result(page))


def test_html_artifact_on_its_file_page_runs_in_an_opaque_sandboxed_frame(page, tenant, live_server):  # noqa: F811
    _, urls = _files(tenant)
    _signed_in(page, tenant, live_server)
    page.goto(urls["html"])
    assert page.get_attribute("#file-frame", "sandbox") == "allow-scripts"
    frame = page.locator("#file-frame").element_handle().content_frame()
    result = _result(frame)
    _assert_contained(result)
    assert result["top"].startswith("blocked:"), result
    assert page.evaluate("window.name") != "pwned"


@pytest.mark.parametrize("key", ["svg", "declared_html"])
def test_svg_and_declared_html_are_downloaded_never_rendered(page, tenant, live_server, key):  # noqa: F811
    _, urls = _files(tenant)
    _signed_in(page, tenant, live_server)
    with page.expect_download(timeout=10_000) as download:
        try:
            page.goto(urls[key] + "download?inline=1")
        except PlaywrightError as exc:  # a download aborts the navigation
            assert "ERR_ABORTED" in str(exc) or "Download is starting" in str(exc), exc
    assert download.value.suggested_filename in ("plot.svg", "report")
    assert "/download" not in page.url  # nothing was rendered: the signed-in page stays
    assert page.evaluate("document.documentElement.getAttribute('data-result')") is None


def test_text_uploaded_as_html_shows_as_plain_text(page, tenant, live_server):  # noqa: F811
    _, urls = _files(tenant)
    _signed_in(page, tenant, live_server)
    page.goto(urls["text"] + "download?inline=1")
    assert "<script>" in page.inner_text("body")
    assert page.evaluate("document.documentElement.getAttribute('data-result')") is None
