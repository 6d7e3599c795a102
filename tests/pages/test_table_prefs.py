"""Per-person table state kept on the server: columns, hidden rows, pinned rows (CandidateTablePrefs)."""

import pytest

from candidates.models import CandidateTablePrefs
from tests.pages.conftest import exp_url, seed_experiment, signed_in


def names(response):
    return [row.candidate.name for row in response.context["page"].rows]


def pinned(response):
    return [row.candidate.name for row in response.context["page"].pinned]


def prefs(client, tenant, exp, action, **data):
    return client.post(exp_url(tenant, exp, "candidates/table-prefs"), {"action": action, **data})


def test_hide_and_pin_are_kept_per_person(tenant):
    exp, cands = seed_experiment(tenant.project, candidates=5)
    rep, dev = (
        signed_in(tenant.reporter),
        signed_in(tenant.developer),
    )  # a reporter may arrange their own view
    url = exp_url(tenant, exp)
    r = prefs(rep, tenant, exp, "hide", c=[cands[1].pk, cands[2].pk], next=url)
    assert r.status_code == 302 and r["Location"] == url
    prefs(rep, tenant, exp, "pin", c=[cands[0].pk])
    r = rep.get(url)
    assert pinned(r) == ["run-000"] and names(r) == ["run-004", "run-003"]
    assert r.context["hidden_count"] == 2 and 'id="hidden-toggle"' in r.content.decode()
    r = rep.get(url, {"hidden": "1"})  # hidden rows come back, marked
    assert names(r) == ["run-004", "run-003", "run-002", "run-001"]
    assert [row.hidden for row in r.context["page"].rows] == [False, False, True, True]
    # Someone else's view is untouched.
    assert pinned(dev.get(url)) == [] and len(names(dev.get(url))) == 5
    prefs(rep, tenant, exp, "unhide", c=[cands[1].pk])
    prefs(rep, tenant, exp, "unpin", c=[cands[0].pk])
    assert names(rep.get(url)) == ["run-004", "run-003", "run-001", "run-000"]


def test_pinned_rows_stay_on_top_whatever_the_sort_and_only_on_the_first_page(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, candidates=30, steps=1)
    prefs(owner_client, tenant, exp, "pin", c=[cands[5].pk])
    url = exp_url(tenant, exp)
    r = owner_client.get(url, {"sort": "metrics.loss", "dir": "asc", "per_page": 20})
    assert pinned(r) == ["run-005"] and "run-005" not in names(r)
    r2 = owner_client.get(
        url, {"sort": "metrics.loss", "dir": "asc", "per_page": 20, "cursor": r.context["page"].next_cursor}
    )
    assert pinned(r2) == [] and len(names(r)) + len(names(r2)) == 29


def test_chosen_columns_are_kept_until_reset(owner_client, tenant):
    exp, _ = seed_experiment(tenant.project, candidates=3)
    prefs(owner_client, tenant, exp, "columns", col=["metrics.loss", "params.seed", "tags.owner", "datasets"])
    spec = owner_client.get(exp_url(tenant, exp)).context["spec"]
    assert (spec.metrics, spec.params, spec.tags, spec.datasets) == (["loss"], ["seed"], ["owner"], True)
    spec = owner_client.get(exp_url(tenant, exp), {"col": "metrics.acc"}).context[
        "spec"
    ]  # a link's own choice wins
    assert (spec.metrics, spec.params) == (["acc"], [])
    prefs(owner_client, tenant, exp, "reset-columns")
    spec = owner_client.get(exp_url(tenant, exp)).context["spec"]
    assert (spec.metrics, spec.params) == (["acc", "loss"], ["lr", "opt"])


def test_ids_outside_the_experiment_are_not_kept(owner_client, tenant, other_tenant):
    exp, cands = seed_experiment(tenant.project, candidates=1)
    exp2, mine_elsewhere = seed_experiment(tenant.project, name="two", candidates=1)
    _, foreign = seed_experiment(other_tenant.project, candidates=1)
    prefs(owner_client, tenant, exp, "pin", c=[cands[0].pk, mine_elsewhere[0].pk, foreign[0].pk, "x"])
    row = CandidateTablePrefs.objects.get(user=tenant.owner, experiment=exp)
    assert row.pinned == [cands[0].pk]
    assert prefs(owner_client, tenant, exp, "explode").status_code == 400
    assert prefs(signed_in(other_tenant.owner), tenant, exp, "pin", c=[cands[0].pk]).status_code == 404
    assert owner_client.get(exp_url(tenant, exp, "candidates/table-prefs")).status_code == 405


@pytest.mark.parametrize("n", [60, 120])
def test_query_count_with_pins_and_hidden_rows(owner_client, tenant, assert_query_count, n):
    exp, cands = seed_experiment(tenant.project, candidates=n, steps=1)
    prefs(owner_client, tenant, exp, "pin", c=[c.pk for c in cands[:3]])
    prefs(owner_client, tenant, exp, "hide", c=[c.pk for c in cands[3:8]])
    with assert_query_count("experiment_detail_pinned_hidden"):
        r = owner_client.get(exp_url(tenant, exp))
    assert len(r.context["page"].pinned) == 3 and len(r.context["page"].rows) == 50
