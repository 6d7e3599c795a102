import csv
import io

import pytest

from candidates.models import Candidate, CandidateLatestMetric
from tests.pages.conftest import exp_url, seed_experiment, signed_in

XSS = "</script><script>alert(1)</script>"


def names(response):
    return [row.candidate.name for row in response.context["page"].rows]


@pytest.mark.smoke
def test_table_shows_params_that_vary_and_latest_metrics(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, candidates=3, steps=4)
    r = owner_client.get(exp_url(tenant, exp))
    assert r.status_code == 200
    spec = r.context["spec"]
    assert spec.params == ["lr", "opt"]  # seed never varies
    assert spec.metrics == ["acc", "loss"]
    rows = {row.candidate.name: row for row in r.context["page"].rows}
    assert rows["run-002"].params == {"lr": "0.02", "opt": "sgd"}
    assert rows["run-002"].metrics["loss"] == pytest.approx(1 / (1 + 3 + 2))
    html = r.content.decode()
    assert "run-002" in html and "0.166667" in html and 'class="badge RUNNING"' in html


def test_sort_by_metric_param_and_attributes(owner_client, tenant):
    exp, _ = seed_experiment(tenant.project, candidates=5)
    url = exp_url(tenant, exp)
    assert names(owner_client.get(url, {"sort": "metrics.loss", "dir": "asc"}))[0] == "run-004"
    assert names(owner_client.get(url, {"sort": "metrics.loss", "dir": "desc"}))[0] == "run-000"
    assert names(owner_client.get(url, {"sort": "params.lr", "dir": "desc"}))[0] == "run-004"
    assert names(owner_client.get(url, {"sort": "attributes.name", "dir": "asc"}))[:2] == [
        "run-000",
        "run-001",
    ]
    assert names(owner_client.get(url))[0] == "run-004"  # newest first by default
    by_duration = names(owner_client.get(url, {"sort": "attributes.duration", "dir": "desc"}))
    assert by_duration[-1] == "run-000"  # still running: no duration, NULLs last
    r = owner_client.get(url, {"sort": "attributes.nope"})
    assert r.status_code == 200 and "Cannot sort" in r.content.decode()


def test_filter_with_search_syntax_and_name_box(owner_client, tenant):
    exp, _ = seed_experiment(tenant.project, candidates=6)
    url = exp_url(tenant, exp)
    r = owner_client.get(url, {"filter": "params.opt = 'adam' AND metrics.loss < 0.2"})
    assert sorted(names(r)) == ["run-003", "run-005"]
    r = owner_client.get(url, {"filter": "attributes.status = 'RUNNING'"})
    assert names(r) == ["run-000"]
    r = owner_client.get(url, {"name": "N-00", "filter": "params.opt = 'sgd'"})
    assert sorted(names(r)) == ["run-000", "run-002", "run-004"]
    r = owner_client.get(url, {"filter": "metrics.loss <<< 1"})
    assert r.status_code == 200 and names(r) == [] and "Filter:" in r.content.decode()


@pytest.mark.parametrize(
    "sort", ["metrics.loss", "params.opt", "attributes.start_time", "attributes.duration", "metrics.rare"]
)
def test_keyset_pages_visit_every_candidate_once_forwards_and_backwards(owner_client, tenant, sort):
    exp, cands = seed_experiment(tenant.project, candidates=47, steps=1)
    # 25 candidates have `rare` (ties included), 22 do not: pages cross from valued rows to NULL rows mid-page.
    CandidateLatestMetric.objects.bulk_create(
        [
            CandidateLatestMetric(candidate=c, name="rare", value=i % 4, step=0, timestamp=0)
            for i, c in enumerate(cands[:25])
        ]
    )
    url = exp_url(tenant, exp)
    params = {"sort": sort, "dir": "asc", "per_page": 20}
    seen, pages, r = [], [], owner_client.get(url, params)
    while True:
        pages.append(names(r))
        seen += names(r)
        nxt = r.context["page"].next_cursor
        if not nxt:
            break
        r = owner_client.get(url, {**params, "cursor": nxt})
    assert sorted(seen) == sorted(c.name for c in cands) and len(seen) == 47
    assert [len(p) for p in pages] == [20, 20, 7]
    # Walk back from the last page with the "previous" cursors.
    back = [names(r)]
    while r.context["page"].prev_cursor:
        r = owner_client.get(url, {**params, "cursor": r.context["page"].prev_cursor})
        back.append(names(r))
    assert back[::-1] == pages


def test_page_query_count_does_not_grow_with_candidates(owner_client, tenant, django_assert_max_num_queries):
    small, _ = seed_experiment(tenant.project, name="small", candidates=3, steps=2)
    big, _ = seed_experiment(tenant.project, name="big", candidates=120, steps=2)
    query = {"sort": "metrics.loss", "filter": "metrics.acc > 0", "col": ["params.lr", "metrics.loss"]}
    # The small one's page is not full, so it also asks for the candidates without a loss (one more query).
    for exp, cap in ((small, 12), (big, 11)):
        with django_assert_max_num_queries(cap):
            r = owner_client.get(exp_url(tenant, exp), query)
        assert r.status_code == 200
    with django_assert_max_num_queries(11):
        owner_client.get(
            exp_url(tenant, big)
        )  # default columns: one more small query, start_time is one walk


def test_user_text_is_escaped(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, name=XSS, candidates=2)
    Candidate.objects.filter(pk=cands[1].pk).update(name=XSS)
    html = owner_client.get(exp_url(tenant, exp)).content.decode()
    assert XSS not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_csv_export_streams_the_filtered_sorted_view(owner_client, tenant):
    exp, _ = seed_experiment(tenant.project, candidates=5)
    Candidate.objects.filter(experiment=exp, iid=2).update(name="=HYPERLINK(1)")
    r = owner_client.get(
        exp_url(tenant, exp, "candidates.csv"),
        {
            "filter": "params.opt = 'adam'",
            "sort": "metrics.loss",
            "dir": "asc",
            "col": ["params.lr", "metrics.loss"],
        },
    )
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode())))
    assert rows[0][-2:] == ["params.lr", "metrics.loss"]
    assert [row[3] for row in rows[1:]] == ["run-003", "'=HYPERLINK(1)"]
    assert float(rows[1][-1]) == pytest.approx(1 / (1 + 2 + 3))


def test_reporter_sees_the_page_and_other_tenants_get_404(reporter_client, tenant, other_tenant):
    exp, _ = seed_experiment(tenant.project, candidates=1)
    assert reporter_client.get(exp_url(tenant, exp)).status_code == 200
    assert signed_in(other_tenant.owner).get(exp_url(tenant, exp)).status_code == 404
    assert reporter_client.get(exp_url(tenant, exp).replace(f"/{exp.iid}/", "/999/")).status_code == 404


def test_live_endpoint_reports_running_and_numbers(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, candidates=3)
    r = owner_client.get(exp_url(tenant, exp, "live.json"), {"c": [c.pk for c in cands]})
    data = r.json()
    assert data["total"] == 3 and data["running"] == 1
    by_id = {c["id"]: c for c in data["candidates"]}
    assert by_id[cands[0].pk]["running"] is True
    assert by_id[cands[2].pk]["metrics"]["loss"]["step"] == 2
