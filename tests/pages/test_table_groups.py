"""Group the candidates table by a param's value: counts and the best value of each shown metric per group."""

import pytest

from candidates.models import CandidateLatestMetric, CandidateParam
from tests.pages.conftest import exp_url, seed_experiment

XSS = "'\"><img src=x onerror=alert(1)>"


def test_groups_by_param_with_best_metric_per_group(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, candidates=6, steps=1)  # opt: sgd for even i, adam for odd
    r = owner_client.get(exp_url(tenant, exp), {"group": "opt", "col": ["metrics.loss", "metrics.acc"]})
    groups = {g.value: g for g in r.context["groups"]}
    assert {v: g.count for v, g in groups.items()} == {"adam": 3, "sgd": 3}
    # loss: lower is better (1 / (1 + i)); acc: higher is better (0.5 + 0.001 i).
    assert groups["adam"].best == [("loss", True, pytest.approx(1 / 6)), ("acc", False, pytest.approx(0.505))]
    assert groups["sgd"].best == [("loss", True, pytest.approx(1 / 5)), ("acc", False, pytest.approx(0.504))]
    html = r.content.decode()
    assert 'id="groups-table"' in html and "loss ↓" in html and "acc ↑" in html
    # A group's link filters the table to it, keeping the filter already there.
    r = owner_client.get(
        exp_url(tenant, exp), {"group": "opt", "filter": "metrics.loss < 0.3", "col": ["metrics.loss"]}
    )
    adam = next(g for g in r.context["groups"] if g.value == "adam")
    assert adam.count == 2 and "params.%60opt%60+%3D+%27adam%27" in adam.url  # loss 1/(1+i) < 0.3: i = 3, 5
    r = owner_client.get(exp_url(tenant, exp) + adam.url)
    assert sorted(row.candidate.name for row in r.context["page"].rows) == ["run-003", "run-005"]


def test_group_values_are_escaped_and_quoted_in_their_filter(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, candidates=2)
    CandidateParam.objects.filter(candidate=cands[0], name="opt").update(value=XSS)
    r = owner_client.get(exp_url(tenant, exp), {"group": "opt"})
    html = r.content.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    url = next(g.url for g in r.context["groups"] if g.value == XSS)
    r = owner_client.get(exp_url(tenant, exp) + url)
    assert [row.candidate.name for row in r.context["page"].rows] == ["run-000"] and not r.context["error"]


def test_unknown_group_param_says_so(owner_client, tenant):
    exp, _ = seed_experiment(tenant.project, candidates=2)
    html = owner_client.get(exp_url(tenant, exp), {"group": "<b>nope</b>"}).content.decode()
    assert "No candidate in this view has the param" in html and "<b>nope</b>" not in html


@pytest.mark.parametrize("n", [60, 120])
def test_grouped_page_query_count(owner_client, tenant, assert_query_count, n):
    exp, _ = seed_experiment(tenant.project, candidates=n, steps=1)
    with assert_query_count("experiment_detail_grouped"):
        r = owner_client.get(exp_url(tenant, exp), {"group": "opt"})
    assert len(r.context["groups"]) == 2 and len(r.context["page"].rows) == 50


def test_candidates_without_the_param_are_the_last_group_and_its_link_filters_them(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, candidates=6)
    CandidateParam.objects.filter(
        candidate__in=cands[4:], name="opt"
    ).delete()  # run-004 (sgd), run-005 (adam)
    r = owner_client.get(exp_url(tenant, exp), {"group": "opt", "col": ["metrics.loss"]})
    groups = r.context["groups"]
    assert [(g.value, g.count, g.missing) for g in groups] == [
        ("adam", 2, False),
        ("sgd", 2, False),
        ("", 2, True),
    ]
    lowest = min(
        CandidateLatestMetric.objects.filter(candidate__in=cands[4:], name="loss").values_list(
            "value", flat=True
        )
    )
    assert groups[-1].best == [("loss", True, pytest.approx(lowest))]
    assert "params.%60opt%60+IS+NULL" in groups[-1].url
    html = r.content.decode()
    assert 'data-missing="1"' in html and "(no value)" in html
    r = owner_client.get(exp_url(tenant, exp) + groups[-1].url)
    assert sorted(row.candidate.name for row in r.context["page"].rows) == ["run-004", "run-005"]
