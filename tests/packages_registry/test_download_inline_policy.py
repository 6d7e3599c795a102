"""Which uploaded files the package pages serve inline, and how: only what cannot execute is rendered from the
site's origin; HTML only under a `sandbox` policy (opaque origin); everything else is an attachment.

The file's name and our own fixed list decide; the Content-Type the uploader sent never does by itself.
"""

import io

import pytest

from packages_registry import services
from packages_registry.selectors import package_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("artifacts_dir")]

SCRIPT = b"<script>document.title='pwned'</script>"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def package(tenant):
    return services.package_get_or_create(project=tenant.project, name="figures", version="1")


def _download(client, package, path, data, *, content_type=None, inline=True):
    upload = services.package_file_upload(
        package=package, path=path, stream=io.BytesIO(data), content_type=content_type
    )
    url = f"{package_url(package=package)}files/{upload.pk}/download"
    return client.get(url, {"inline": "1"} if inline else {})


def _is_attachment(response) -> bool:
    return response["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(
    "path, content_type",
    [
        ("figure.svg", None),
        ("figure.svg", "image/svg+xml"),
        ("feed.xml", None),
        ("page.xhtml", None),
        ("report.pdf", None),
        ("app.js", None),
        ("model.bin", None),
        ("report", "text/html"),  # no extension: the declared type alone must not make it inline
        ("report.weird", "text/html"),
        ("picture", "image/svg+xml"),
    ],
)
def test_anything_that_can_execute_is_only_an_attachment(client, tenant, package, path, content_type):
    client.force_login(tenant.reporter)
    response = _download(
        client,
        package,
        path,
        b"<svg xmlns='http://www.w3.org/2000/svg'>" + SCRIPT + b"</svg>",
        content_type=content_type,
    )
    assert response.status_code == 200
    assert _is_attachment(response), response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        response["Content-Security-Policy"] == "sandbox"
    )  # even if a browser rendered it: no script, no origin


@pytest.mark.parametrize(
    "path, served",
    [
        ("a.png", "image/png"),
        ("a.jpg", "image/jpeg"),
        ("a.jpeg", "image/jpeg"),
        ("a.gif", "image/gif"),
        ("a.webp", "image/webp"),
    ],
)
def test_raster_images_are_inline_with_a_fixed_image_type(client, tenant, package, path, served):
    client.force_login(tenant.reporter)
    # The uploader claims HTML: the file is still served as the image its name says, never as HTML.
    response = _download(client, package, path, PNG, content_type="text/html")
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"] == served
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path", ["notes.txt", "metrics.json", "table.csv", "train.log", "MLmodel", "conf.yaml"]
)
def test_text_is_inline_as_plain_text(client, tenant, package, path):
    client.force_login(tenant.reporter)
    response = _download(client, package, path, b"hello " + SCRIPT, content_type="text/html")
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"hello " + SCRIPT


@pytest.mark.parametrize(
    "path, content_type", [("plot.html", None), ("plot.htm", None), ("plot.html", "image/png")]
)
def test_html_is_inline_only_in_an_opaque_origin_sandbox(client, tenant, package, path, content_type):
    client.force_login(tenant.reporter)
    response = _download(client, package, path, b"<html><body>" + SCRIPT, content_type=content_type)
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"] == "text/html; charset=utf-8"
    policy = [part.strip() for part in response["Content-Security-Policy"].split(";")]
    assert "sandbox allow-scripts" in policy and "frame-ancestors 'self'" in policy
    assert "allow-same-origin" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_without_inline_every_file_is_an_attachment(client, tenant, package):
    client.force_login(tenant.reporter)
    for path in ("plot.html", "a.png", "notes.txt"):
        response = _download(client, package, path, b"x", inline=False)
        assert _is_attachment(response), path
        assert response["Content-Security-Policy"] == "sandbox"


def test_mlflow_artifact_and_generic_api_downloads_are_attachments(client, tenant, api, package):
    from candidates.services import candidate_create
    from experiments.services import experiment_create

    experiment = experiment_create(project=tenant.project, name="exp", user=tenant.developer)
    run = candidate_create(experiment=experiment, user=tenant.developer, user_name="dev", name="r")
    root = f"api/2.0/mlflow-artifacts/artifacts/{experiment.iid}/{run.eid_hex}/artifacts"
    put = client.put(
        f"{api.base}{root}/plot.html", b"<html>" + SCRIPT, content_type="text/html", **api.headers
    )
    assert put.status_code == 200
    got = api.get(f"{root}/plot.html")
    assert got.status_code == 200 and _is_attachment(got)
    assert got["Content-Security-Policy"] == "sandbox" and got["X-Content-Type-Options"] == "nosniff"

    services.package_file_upload(package=package, path="x.svg", stream=io.BytesIO(SCRIPT))
    generic = client.get(
        f"/api/v4/projects/{tenant.project.pk}/packages/generic/figures/1/x.svg", **api.headers
    )
    assert generic.status_code == 200 and _is_attachment(generic)
    assert generic["Content-Security-Policy"] == "sandbox" and generic["X-Content-Type-Options"] == "nosniff"


def test_file_page_frames_html_in_a_sandbox_shows_images_and_offers_the_rest_as_download(
    client, tenant, other_tenant, package, django_assert_max_num_queries
):
    files = {
        path: services.package_file_upload(package=package, path=path, stream=io.BytesIO(data))
        for path, data in (
            ("plot.html", b"<html>" + SCRIPT),
            ("a.png", PNG),
            ("x.svg", SCRIPT),
            ("n.txt", b"hi"),
        )
    }
    client.force_login(tenant.reporter)
    base = package_url(package=package)
    with django_assert_max_num_queries(6):  # session, user, project, role, package, file
        html = client.get(f"{base}files/{files['plot.html'].pk}/").content.decode()
    assert (
        '<iframe class="file-frame" id="file-frame" sandbox="allow-scripts" src="download?inline=1"' in html
    )
    assert "allow-same-origin" not in html
    image = client.get(f"{base}files/{files['a.png'].pk}/").content.decode()
    assert '<img class="file-image" src="download?inline=1"' in image and "<iframe" not in image
    svg = client.get(f"{base}files/{files['x.svg'].pk}/").content.decode()
    assert 'data-display="attachment"' in svg and "inline=1" not in svg and "<iframe" not in svg
    text = client.get(f"{base}files/{files['n.txt'].pk}/").content.decode()
    assert 'data-display="text"' in text and "<iframe" not in text
    assert f'href="files/{files["plot.html"].pk}/"' in client.get(base).content.decode()

    client.force_login(other_tenant.owner)
    assert client.get(f"{base}files/{files['plot.html'].pk}/").status_code == 404
