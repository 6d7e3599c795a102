"""The compare page: 2 to 100 candidates side by side with a query count that does not grow, the diff rows, the
images, the curves' JSON, escaping and tenancy."""

import json
import math
import uuid

import pytest

from candidates.models import CandidateLatestMetric, CandidateParam
from candidates.page_selectors import COMPARE_MAX
from packages_registry.image_sets import image_series_name_parse
from packages_registry.models import PackageFile
from packages_registry.services import candidate_package_get_or_create
from tests.pages.conftest import add_metadata, exp_url, seed_experiment, signed_in

XSS = "</script><script>alert(1)</script>"
XSS2 = '"><img src=x onerror=alert(1)>'


def add_images(candidate, *paths):
    package = candidate_package_get_or_create(candidate=candidate)
    PackageFile.objects.bulk_create(
        PackageFile(package=package, path=p, size=1, storage_key=uuid.uuid4().hex, content_type="image/png")
        for p in paths
    )


def series_path(key, step, compressed=False):
    return f"images/{key}+step+{step}+timestamp+{1700 + step}+{uuid.uuid4()}" + (
        "+compressed.webp" if compressed else ".png"
    )


@pytest.mark.parametrize("n", [2, 10, 100])
def test_compare_query_count_does_not_grow_with_candidates(owner_client, tenant, assert_query_count, n):
    exp, cands = seed_experiment(tenant.project, candidates=n, steps=2)
    for c in cands:
        add_metadata(c, fold=str(c.iid % 3), team="vision", mlflow__user="x")
        add_images(
            c, "confusion_matrix.png", series_path("digits", 0), series_path("digits", 1, compressed=True)
        )
    with assert_query_count("experiment_compare"):
        r = owner_client.get(exp_url(tenant, exp, "compare/"), {"c": [c.pk for c in cands]})
    assert r.status_code == 200
    data = r.context["data"]
    assert [c.pk for c in data.candidates] == [c.pk for c in cands]
    assert [name for name, _, _ in data.metadata] == ["fold", "team"]  # system tags (mlflow.*) are left out
    assert r.context["image_files"][0][0] == "confusion_matrix.png"
    assert all(url for _, url in r.context["image_files"][0][1])
    (series,) = r.context["image_series"]
    assert series["key"] == "digits" and series["steps"] == [0, 1]
    html = r.content.decode()
    assert html.count('<th data-candidate="') == n
    assert 'id="only-diff"' in html and "compare.js" in html and "charts.js" not in html
    with assert_query_count("experiment_compare_data"):
        d = owner_client.get(exp_url(tenant, exp, "compare/data.json"), {"c": [c.pk for c in cands]}).json()
    assert len(d["candidates"]) == n and len(d["series"]) == 2 * n
    assert d["candidates"][0]["label"] == f"#{cands[0].iid} {cands[0].name}"


def test_compare_takes_at_most_100_and_says_so(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, candidates=COMPARE_MAX + 5, steps=1)
    r = owner_client.get(exp_url(tenant, exp, "compare/"), {"c": [c.pk for c in cands]})
    assert len(r.context["data"].candidates) == COMPARE_MAX == 100
    assert "105 candidates were selected; the compare page shows at most 100" in r.content.decode()
    # The curves' JSON takes the same first 100.
    d = owner_client.get(exp_url(tenant, exp, "compare/data.json"), {"c": [c.pk for c in cands]}).json()
    assert [c["id"] for c in d["candidates"]] == [c.pk for c in cands[:100]]


def test_rows_differ_when_values_are_not_all_equal(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, candidates=4)
    a, b, c = cands[1], cands[2], cands[3]
    CandidateParam.objects.create(
        candidate=a, name="only_a", value="1"
    )  # missing on the others: a difference
    add_metadata(a, team="x")
    add_metadata(b, team="x")
    add_metadata(c, team="x")
    for cand in (a, b, c):
        CandidateLatestMetric.objects.create(candidate=cand, name="nan", value=math.nan, step=0, timestamp=0)
    r = owner_client.get(exp_url(tenant, exp, "compare/"), {"c": [a.pk, b.pk, c.pk]})
    data = r.context["data"]
    params = {n: (v, d) for n, v, d in data.params}
    assert params["seed"] == (["7", "7", "7"], False)
    assert params["lr"][1] and params["opt"][1]  # adam, sgd, adam
    assert params["only_a"] == (["1", None, None], True)
    assert {n: d for n, _, d in data.metadata} == {"team": False}
    assert {n: d for n, _, d in data.metrics}["nan"] is False  # NaN everywhere is the same value
    html = r.content.decode()
    assert 'class="same" data-param="seed"' in html and 'class="diff" data-param="lr"' in html
    assert 'class="same" data-metadata="team"' in html


def test_too_few_and_unknown_ids(owner_client, tenant, other_tenant):
    exp, cands = seed_experiment(tenant.project, candidates=2)
    other_exp, others = seed_experiment(other_tenant.project, candidates=2)
    url = exp_url(tenant, exp, "compare/")
    r = owner_client.get(url, {"c": [cands[0].pk]})
    assert r.context["too_few"] and "Select 2 to 100" in r.content.decode()
    # Ids of another project's candidates are not shown (and not counted as found); junk ids are ignored.
    r = owner_client.get(
        url, {"c": [cands[0].pk, others[0].pk, others[1].pk, "x", "99999999999999999999999"]}
    )
    assert [c.pk for c in r.context["data"].candidates] == [cands[0].pk] and r.context["too_few"]
    d = owner_client.get(url + "data.json", {"c": [others[0].pk, others[1].pk]}).json()
    assert d == {"candidates": [], "series": []}
    # Another tenant's member cannot see this project's compare page at all.
    outsider = signed_in(other_tenant.owner)
    assert outsider.get(url, {"c": [c.pk for c in cands]}).status_code == 404
    assert outsider.get(url + "data.json", {"c": [c.pk for c in cands]}).status_code == 404


def test_user_text_is_escaped_in_table_captions_and_chart_data(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, candidates=2)
    a, b = cands
    a.name = XSS
    a.save(update_fields=["name"])
    b.name = XSS2
    b.save(update_fields=["name"])
    CandidateParam.objects.create(candidate=a, name=XSS2, value=XSS)
    add_metadata(a, note=XSS)
    add_metadata(b, **{"evil": XSS2})
    add_images(a, f"{XSS2}.png", series_path("digits", 0))
    add_images(b, f"{XSS2}.png", series_path("digits", 0))
    r = owner_client.get(exp_url(tenant, exp, "compare/"), {"c": [a.pk, b.pk]})
    html = r.content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html  # names, values, tags, captions
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    # The chart data travels in json_script, where <, > and & are escaped as \\u003C etc.
    start = html.index('id="compare-points"')
    blob = html[start : html.index("</script>", start)]
    assert "<" not in blob.split(">", 1)[1]
    points = json.loads(blob.split(">", 1)[1])
    assert points["candidates"][0]["label"] == f"#{a.iid} {XSS}" and XSS2 in points["params"]
    d = owner_client.get(exp_url(tenant, exp, "compare/data.json"), {"c": [a.pk, b.pk]})
    assert d.json()["candidates"][1]["label"] == f"#{b.iid} {XSS2}"  # JSON; compare.js escapes before Plotly


def test_image_series_names_are_parsed_as_mlflow_writes_them():
    name = image_series_name_parse("images/val~digits+step+12+timestamp+1700000000123+0b7a-4c1d-9e2f.png")
    assert (name.key, name.step, name.timestamp, name.compressed) == ("val/digits", 12, 1700000000123, False)
    name = image_series_name_parse("images/x%step%3%timestamp%5%abc%compressed.webp")  # MLflow 2.x delimiters
    assert (name.key, name.step, name.compressed) == ("x", 3, True)
    for path in (
        "confusion_matrix.png",
        "images/plain.png",
        "images/a+step+x+timestamp+1+u.png",
        "a/images/k+step+1",
    ):
        assert image_series_name_parse(path) is None


def test_svg_and_html_are_not_images(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, candidates=2)
    for c in cands:
        add_images(c, "plot.svg", "report.html", "a.PNG")
    r = owner_client.get(exp_url(tenant, exp, "compare/"), {"c": [c.pk for c in cands]})
    assert [p for p, _ in r.context["image_files"]] == ["a.PNG"]
