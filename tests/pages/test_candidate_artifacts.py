"""The candidate page's artifact viewer: the whole tree (bounded per folder), previews of images, CSV/TSV, text,
JSON and HTML (sandboxed only), escaping of every shown name and cell, and the pinned query count."""

import csv
import io
import re

import pytest

from packages_registry import artifact_browser
from tests.packages_registry.helpers import artifacts_dir  # noqa: F401 - fixture
from tests.pages.conftest import seed_experiment
from tests.pages.runpage_seed import png, seed_artifacts, seed_image_series, seed_logged_model

XSS = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
pytestmark = pytest.mark.usefixtures("artifacts_dir")


def _url(tenant, candidate, query=""):
    return f"/{tenant.project.path}/-/ml/candidates/{candidate.pk}/{query}"


@pytest.fixture
def candidate(tenant):
    _, candidates = seed_experiment(tenant.project, candidates=1)
    return candidates[0]


def test_tree_lists_nested_folders_and_files(owner_client, tenant, candidate):
    seed_artifacts(
        candidate,
        {
            "outputs/reports/deep/notes.md": "# n",
            "outputs/config.yaml": "a: 1",
            "predictions.csv": "a,b\n1,2\n",
        },
    )
    html = owner_client.get(_url(tenant, candidate)).content.decode()
    tree = html[html.index('id="artifact-tree"') :]
    for name in ("outputs/", "reports/", "deep/", "notes.md", "config.yaml", "predictions.csv"):
        assert name in tree
    assert "?artifact=outputs/reports/deep/notes.md#artifact-preview" in tree
    assert "No artifacts logged" not in html
    assert "📁" not in html and "📄" not in html  # SVG icons, never emoji
    assert '<use href="#i-folder">' in html


def test_folder_lists_at_most_n_entries_and_counts_the_rest(owner_client, tenant, candidate, monkeypatch):
    monkeypatch.setattr(artifact_browser, "ENTRIES_PER_FOLDER", 5)
    seed_artifacts(candidate, {f"many/f{i:02d}.txt": "x" for i in range(8)})
    html = owner_client.get(_url(tenant, candidate)).content.decode()
    assert "f04.txt" in html and "f05.txt" not in html
    assert "… and 3 more here" in html


def test_csv_preview_is_a_table_with_download(owner_client, tenant, candidate):
    seed_artifacts(
        candidate, {"data/predictions.csv": "id,label\n" + "".join(f"{i},cat\n" for i in range(150))}
    )
    html = owner_client.get(_url(tenant, candidate, "?artifact=data/predictions.csv")).content.decode()
    table = html[html.index('id="artifact-table"') :]
    assert "<th>id</th><th>label</th>" in table
    assert table.count("<td>cat</td>") == artifact_browser.TABLE_MAX_ROWS
    assert "The first 100 rows" in html
    assert re.search(
        r'href="/acme/vision/-/packages/\d+/files/\d+/download" download id="artifact-download"', html
    )
    # the folder of the selected file is open
    assert re.search(r"<details open><summary>.*?data/</summary>", html, re.S)


def test_tsv_preview(owner_client, tenant, candidate):
    seed_artifacts(candidate, {"t.tsv": "a\tb\n1\t2\n"})
    html = owner_client.get(_url(tenant, candidate, "?artifact=t.tsv")).content.decode()
    assert "<th>a</th><th>b</th>" in html and "<td>2</td>" in html


def test_parquet_preview_when_pyarrow_is_there(owner_client, tenant, candidate, tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"x": [1, 2, 3], "name": ["a", XSS, "c"]}), path)
    seed_artifacts(candidate, {"t.parquet": path.read_bytes()})
    html = owner_client.get(_url(tenant, candidate, "?artifact=t.parquet")).content.decode()
    assert "<th>x</th><th>name</th>" in html
    assert XSS not in html and "&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_json_and_yaml_are_highlighted_in_full(owner_client, tenant, candidate):
    seed_artifacts(
        candidate, {"eval/metrics.json": '{"threshold": 0.5, "classes": ["a"]}', "c.yaml": "lr: 0.1\n"}
    )
    html = owner_client.get(_url(tenant, candidate, "?artifact=eval/metrics.json")).content.decode()
    view = html[html.index('id="artifact-text"') :]
    assert '<div class="highlight">' in view
    assert "threshold" in view and "0.5" in view
    html = owner_client.get(_url(tenant, candidate, "?artifact=c.yaml")).content.decode()
    assert '<div class="highlight">' in html and "lr" in html


def test_long_text_is_cut_at_the_cap(owner_client, tenant, candidate, monkeypatch):
    monkeypatch.setattr(artifact_browser, "TEXT_MAX_BYTES", 100)
    seed_artifacts(candidate, {"log.txt": "line\n" * 100})
    html = owner_client.get(_url(tenant, candidate, "?artifact=log.txt")).content.decode()
    assert "longer than the preview" in html


def test_image_is_shown_full_size_from_the_inline_download(owner_client, tenant, candidate):
    seed_artifacts(candidate, {"figures/curve.png": png()})
    html = owner_client.get(_url(tenant, candidate, "?artifact=figures/curve.png")).content.decode()
    src = re.search(r'id="artifact-image" src="([^"]+)"', html).group(1)
    assert src.endswith("/download?inline=1")
    response = owner_client.get(src)
    assert response["Content-Type"] == "image/png"


def test_html_is_only_framed_in_an_opaque_sandbox(owner_client, tenant, candidate):
    seed_artifacts(candidate, {"report.html": "<script>parent.document.title='pwned'</script>"})
    html = owner_client.get(_url(tenant, candidate, "?artifact=report.html")).content.decode()
    frame = re.search(r"<iframe[^>]*id=\"artifact-frame\"[^>]*>", html).group(0)
    assert 'sandbox="allow-scripts"' in frame and "allow-same-origin" not in frame
    src = re.search(r'src="([^"]+)"', frame).group(1)
    response = owner_client.get(src)
    assert response["Content-Security-Policy"].startswith("sandbox allow-scripts")
    assert "allow-same-origin" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    # the page's own CSP lets it frame only its own origin
    page = owner_client.get(_url(tenant, candidate, "?artifact=report.html"))
    assert "frame-src 'self'" in page["Content-Security-Policy"]
    # as source: highlighted, escaped text, no frame
    source = owner_client.get(_url(tenant, candidate, "?artifact=report.html&as=source")).content.decode()
    assert 'id="artifact-frame"' not in source and 'id="artifact-text"' in source
    assert "pwned" in source and "<script>parent" not in source


def test_unknown_type_offers_a_download_only(owner_client, tenant, candidate):
    seed_artifacts(candidate, {"model.bin": b"\x00\x01\x02"})
    html = owner_client.get(_url(tenant, candidate, "?artifact=model.bin")).content.decode()
    assert 'id="artifact-no-preview"' in html


def test_missing_path_says_so(owner_client, tenant, candidate):
    seed_artifacts(candidate, {"a.txt": "a"})
    html = owner_client.get(_url(tenant, candidate, "?artifact=nope.txt")).content.decode()
    assert "No artifact at <code>nope.txt</code>" in html


def test_user_text_in_names_cells_and_text_is_escaped(owner_client, tenant, candidate):
    name = 'x"><img src=x onerror=alert(1)>.csv'
    rows = io.StringIO()
    csv.writer(rows).writerows([[f"h{XSS}", "b"], [XSS, "2"]])
    seed_artifacts(candidate, {name: rows.getvalue(), "j.json": '{"k": "' + XSS.replace('"', '\\"') + '"}'})
    html = owner_client.get(_url(tenant, candidate), {"artifact": name}).content.decode()
    assert 'id="artifact-table"' in html
    assert "<img src=x" not in html and "<script>alert(2)" not in html
    assert (
        "<td>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;</td>" in html
    )
    html = owner_client.get(_url(tenant, candidate, "?artifact=j.json")).content.decode()
    assert "<img src=x" not in html and "<script>alert(2)" not in html
    assert "&lt;script&gt;" in html


def test_image_series_grid_with_slider_data(owner_client, tenant, candidate):
    seed_image_series(candidate, key="samples", steps=3)
    html = owner_client.get(_url(tenant, candidate)).content.decode()
    section = html[html.index('id="image-series"') :]
    assert '<strong class="series-key">samples</strong>' in section
    assert 'type="range" class="series-slider" min="0" max="2" value="2"' in section
    assert 'id="image-series-data"' in section and "static/artifacts.js" in html.replace(
        "/static/", "static/"
    )


def test_other_tenant_cannot_read_the_preview(client, other_tenant, tenant, candidate):
    seed_artifacts(candidate, {"a.txt": "secret"})
    client.force_login(other_tenant.owner)
    assert client.get(_url(tenant, candidate, "?artifact=a.txt")).status_code == 404


def test_query_count_is_fixed_with_a_model_many_artifacts_and_a_series(
    owner_client, tenant, candidate, assert_query_count
):
    seed_artifacts(candidate, {f"dir{d}/f{i}.txt": "x" for d in range(5) for i in range(30)})
    seed_image_series(candidate, steps=4)
    seed_logged_model(candidate)
    seed_logged_model(candidate, name="second")
    with assert_query_count("candidate_detail_with_artifacts"):
        response = owner_client.get(_url(tenant, candidate, "?artifact=dir1/f3.txt"))
    assert response.status_code == 200
    assert response.content.decode().count('class="logged-model') == 2


def test_query_count_does_not_grow_with_models_files_and_images(
    owner_client, tenant, candidate, assert_query_count
):
    seed_artifacts(candidate, {f"dir{d}/sub/f{i}.txt": "x" for d in range(12) for i in range(40)})
    seed_image_series(candidate, key="a", steps=6)
    seed_image_series(candidate, key="b", steps=2)
    for n in range(4):
        seed_logged_model(candidate, name=f"model-{n}", files=3)
    with assert_query_count("candidate_detail_with_artifacts"):
        response = owner_client.get(_url(tenant, candidate, "?artifact=dir1/sub/f3.txt"))
    html = response.content.decode()
    assert html.count('class="logged-model') == 4 and html.count('class="image-series"') == 2
