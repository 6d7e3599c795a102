"""The candidates table: metadata (tag) columns and sort, dataset columns and `datasets.*` filters, column order."""

import pytest

from candidates.models import CandidateInput, CandidateMetadata
from tests.pages.conftest import add_metadata, exp_url, seed_experiment

XSS = '</script>"><img src=x onerror=alert(1)>'
ESCAPED = "&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"


def names(response):
    return [row.candidate.name for row in response.context["page"].rows]


def _walk(client, url, params):
    pages, r = [], client.get(url, params)
    while True:
        assert r.status_code == 200
        pages.append(names(r))
        if not r.context["page"].next_cursor:
            return pages
        r = client.get(url, {**params, "cursor": r.context["page"].next_cursor})


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_sort_by_tag_puts_missing_values_last_and_pages_by_keyset(owner_client, tenant, direction):
    exp, cands = seed_experiment(tenant.project, candidates=45, steps=1)
    # 30 candidates carry `owner` (ties: three values), 15 do not: the walk crosses into the missing ones mid-page.
    CandidateMetadata.objects.bulk_create(
        [
            CandidateMetadata(candidate=c, name="owner", value=["ana", "bo", "cy"][i % 3])
            for i, c in enumerate(cands[:30])
        ]
    )
    params = {"sort": "tags.owner", "dir": direction, "per_page": 20, "col": ["tags.owner"]}
    pages = _walk(owner_client, exp_url(tenant, exp), params)
    assert [len(p) for p in pages] == [20, 20, 5]
    seen = [n for p in pages for n in p]
    assert sorted(seen) == sorted(c.name for c in cands)
    owners = {c.name: ["ana", "bo", "cy"][i % 3] for i, c in enumerate(cands[:30])}
    values = [owners.get(n) for n in seen]
    present = [v for v in values if v is not None]
    assert values[:30] == present and values[30:] == [None] * 15  # missing last, either direction
    assert present == sorted(present, reverse=direction == "desc")
    # Within a tie, the id decides (desc: newest first), so the order is total and pages never overlap.
    assert len(set(seen)) == 45


def test_tag_column_header_sorts_and_cells_show_escaped_values(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, candidates=2)
    add_metadata(cands[0], owner=XSS)
    add_metadata(cands[1], owner="bo", mlflow__user="system-tag")
    r = owner_client.get(exp_url(tenant, exp), {"col": ["tags.owner", "metrics.loss"]})
    html = r.content.decode()
    assert r.context["tag_names"] == ["owner"]  # mlflow.* system tags are not offered as columns
    assert 'data-key="tags.owner"' in html and "sort=tags.owner" in html
    assert XSS not in html and ESCAPED in html
    assert (
        "Cannot sort" not in owner_client.get(exp_url(tenant, exp), {"sort": "tags.owner"}).content.decode()
    )


def test_metric_columns_come_before_param_columns(owner_client, tenant):
    exp, _ = seed_experiment(tenant.project, candidates=3)
    r = owner_client.get(exp_url(tenant, exp))
    keys = [c["key"] for c in r.context["columns"]]
    assert keys[5:] == ["metrics.acc", "metrics.loss", "params.lr", "params.opt"]
    html = r.content.decode()
    assert html.index('data-metric="acc"') < html.index('<td class="param"')


def _inputs(cands):
    CandidateInput.objects.bulk_create(
        [
            CandidateInput(candidate=cands[0], name="mnist", digest="d1", tags=[{"key": "mlflow.data.context", "value": "training"}]),
            CandidateInput(candidate=cands[1], name="mnist", digest="d2", tags=[{"key": "mlflow.data.context", "value": "eval"}]),
            CandidateInput(candidate=cands[1], name=XSS, digest="d3", tags=[{"key": "mlflow.data.context", "value": XSS}]),
            CandidateInput(candidate=cands[2], name="cifar", digest="d4", tags=[]),
        ]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("datasets.name = 'mnist'", ["run-000", "run-001"]),
        ("datasets.digest = 'd4'", ["run-002"]),
        ("datasets.context = 'training'", ["run-000"]),
        ("datasets.context != 'training'", ["run-001"]),  # inputs without a context tag never match
        ("datasets.name NOT IN ('mnist')", ["run-001", "run-002"]),
        ("datasets.name LIKE 'mn%' AND params.opt = 'adam'", ["run-001"]),
    ],
)
def test_dataset_filter_on_the_page(owner_client, tenant, text, expected):
    exp, cands = seed_experiment(tenant.project, candidates=4)
    _inputs(cands)
    r = owner_client.get(exp_url(tenant, exp), {"filter": text})
    assert r.status_code == 200 and sorted(names(r)) == expected


def test_bad_dataset_filter_is_a_message_not_an_error(owner_client, tenant):
    exp, _ = seed_experiment(tenant.project, candidates=1)
    r = owner_client.get(exp_url(tenant, exp), {"filter": "datasets.source = 'x'"})
    assert r.status_code == 200 and "Invalid dataset key" in r.content.decode()


def test_dataset_column_lists_inputs_escaped(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, candidates=3)
    _inputs(cands)
    r = owner_client.get(exp_url(tenant, exp), {"col": ["datasets"]})
    html = r.content.decode()
    rows = {row.candidate.name: row for row in r.context["page"].rows}
    assert rows["run-000"].dataset_texts == ["mnist@d1 (training)"]
    assert rows["run-002"].dataset_texts == ["cifar@d4"]
    assert ">Datasets</th>" in html and "mnist@d1 (training)" in html
    assert XSS not in html and ESCAPED in html


def test_query_count_with_tag_and_dataset_columns(owner_client, tenant, assert_query_count):
    small, _ = seed_experiment(tenant.project, name="small", candidates=60, steps=1)
    large, cands = seed_experiment(tenant.project, name="large", candidates=120, steps=1)
    for exp in (small, large):
        for c in exp.candidates.all()[:70]:
            add_metadata(c, owner="ana")
    query = {
        "sort": "tags.owner",
        "col": ["tags.owner", "datasets", "metrics.loss"],
        "filter": "metrics.acc > 0",
    }
    for exp in (small, large):
        with assert_query_count("experiment_detail_tag_sort_dataset_columns"):
            r = owner_client.get(exp_url(tenant, exp), query)
        assert r.status_code == 200 and len(r.context["page"].rows) == 50


def test_long_tag_values_are_stored_and_sort_by_their_prefix(owner_client, tenant):
    """The tag-sort index holds left(value, 200): a value far past a btree entry's limit still logs."""
    exp, cands = seed_experiment(tenant.project, candidates=3)
    add_metadata(cands[0], note="b" * 20_000)
    add_metadata(cands[1], note="a" * 20_000)
    add_metadata(cands[2], note="a" * 200 + "z")  # equal to run-001's within the prefix: the id decides
    r = owner_client.get(exp_url(tenant, exp), {"sort": "tags.note", "dir": "asc", "col": "tags.note"})
    assert names(r) == ["run-001", "run-002", "run-000"]


def test_csv_export_carries_tag_columns(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, candidates=2)
    add_metadata(cands[0], owner="=cmd()")
    r = owner_client.get(
        exp_url(tenant, exp, "candidates.csv"),
        {"col": ["tags.owner"], "sort": "attributes.name", "dir": "asc"},
    )
    lines = b"".join(r.streaming_content).decode().splitlines()
    assert lines[0].endswith(",tags.owner") and lines[1].endswith(",'=cmd()") and lines[2].endswith(",")


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_sort_by_param_walks_its_prefix_index_with_long_values_and_ties(owner_client, tenant, direction):
    """A param sorts by left(value, 200) then id (the index candidate_param_name_value): MLflow's 6,000-character
    values log and sort; values equal within the prefix are ordered by id, so keyset pages never overlap."""
    from candidates.models import CandidateParam

    exp, cands = seed_experiment(tenant.project, candidates=25, steps=1)
    values = ["a" * 6000, "a" * 200 + "z", "b" * 6000, "0.1", "0.1"]
    CandidateParam.objects.bulk_create(
        [CandidateParam(candidate=c, name="note", value=values[i % 5]) for i, c in enumerate(cands[:20])]
    )
    pages = _walk(
        owner_client, exp_url(tenant, exp), {"sort": "params.note", "dir": direction, "per_page": 7}
    )
    seen = [n for p in pages for n in p]
    assert len(seen) == len(set(seen)) == 25
    by_name = {c.name: (values[i % 5][:200], c.pk) for i, c in enumerate(cands[:20])}
    present = [by_name[n] for n in seen[:20]]
    assert present == sorted(present, reverse=direction == "desc")  # prefix, then id
    assert all(n not in by_name for n in seen[20:])  # candidates without the param come last
