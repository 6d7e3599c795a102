"""Nested candidates (`mlflow.parentRunId`): parents are paged and sorted, children load on expand."""

import pytest

from candidates.models import Candidate, CandidateMetadata
from experiments.models import Lifecycle
from projects.mlflow_data import PARENT_RUN_TAG
from tests.pages.conftest import exp_url, seed_experiment, signed_in

XSS = '"><img src=x onerror=alert(1)>'


def names(response):
    return [row.candidate.name for row in response.context["page"].rows]


def _child(child, parent, value=None):
    CandidateMetadata.objects.create(candidate=child, name=PARENT_RUN_TAG, value=value or parent.eid_hex)


@pytest.fixture
def family(tenant):
    """run-000 has children run-001..003, run-004 has run-005; run-006 points at a parent elsewhere, run-007 at
    a malformed id; run-008 is a deleted child of run-000."""
    exp, cands = seed_experiment(tenant.project, candidates=10)
    _, elsewhere = seed_experiment(tenant.project, name="elsewhere", candidates=1)
    for i in (1, 2, 3, 8):
        _child(cands[i], cands[0])
    _child(cands[5], cands[4])
    _child(cands[6], elsewhere[0])
    _child(cands[7], None, value="not-a-run-id'); --")
    Candidate.objects.filter(pk=cands[8].pk).update(lifecycle=Lifecycle.DELETED)
    Candidate.objects.filter(pk=cands[2].pk).update(name=XSS)
    return exp, cands


def test_nested_view_pages_parents_with_child_counts(owner_client, tenant, family):
    exp, cands = family
    r = owner_client.get(exp_url(tenant, exp), {"nest": "1", "sort": "attributes.name", "dir": "asc"})
    assert names(r) == ["run-000", "run-004", "run-006", "run-007", "run-009"]
    counts = {row.candidate.name: row.children for row in r.context["page"].rows}
    assert counts == {"run-000": 3, "run-004": 1, "run-006": 0, "run-007": 0, "run-009": 0}
    html = r.content.decode()
    assert f'data-parent="{cands[0].pk}"' in html and 'aria-expanded="false"' in html
    # Without nesting every candidate is a row.
    assert len(names(owner_client.get(exp_url(tenant, exp)))) == 9


def test_nested_view_keyset_pages(owner_client, tenant, family):
    exp, _ = family
    params = {"nest": "1", "sort": "metrics.loss", "dir": "asc", "per_page": 20}
    r = owner_client.get(exp_url(tenant, exp), params)
    assert sorted(names(r)) == ["run-000", "run-004", "run-006", "run-007", "run-009"]
    assert not r.context["page"].next_cursor


def test_children_fragment_lists_active_children_escaped(owner_client, tenant, family):
    exp, cands = family
    url = exp_url(tenant, exp, "candidates/children")
    r = owner_client.get(url, {"parent": cands[0].pk, "col": ["metrics.loss", "params.lr"]})
    assert r.status_code == 200
    html = r.content.decode()
    assert html.count("<tr ") == 3 and "run-008" not in html
    assert f'data-parent="{cands[0].pk}"' in html and 'class="child"' in html
    assert XSS not in html and "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert [row.candidate.name for row in r.context["rows"]] == ["run-003", XSS, "run-001"]  # newest first
    assert "No active child candidates" in owner_client.get(url, {"parent": cands[9].pk}).content.decode()


def test_children_fragment_is_scoped_to_the_project_and_experiment(
    owner_client, tenant, other_tenant, family
):
    exp, cands = family
    url = exp_url(tenant, exp, "candidates/children")
    assert signed_in(other_tenant.owner).get(url, {"parent": cands[0].pk}).status_code == 404
    _, foreign = seed_experiment(other_tenant.project, candidates=1)
    assert owner_client.get(url, {"parent": foreign[0].pk}).status_code == 404
    assert owner_client.get(url, {"parent": "x"}).status_code == 404
    assert owner_client.get(url, {"parent": cands[8].pk}).status_code == 404  # deleted


def test_nested_query_counts(owner_client, tenant, assert_query_count):
    for n, name in ((70, "small"), (130, "large")):  # both fill the first page with parents
        exp, cands = seed_experiment(tenant.project, name=name, candidates=n, steps=1)
        for c in cands[-10:]:
            _child(c, cands[0])
        with assert_query_count("experiment_detail_nested"):
            r = owner_client.get(exp_url(tenant, exp), {"nest": "1"})
        assert len(r.context["page"].rows) == 50
        with assert_query_count("experiment_candidate_children"):
            r = owner_client.get(
                exp_url(tenant, exp, "candidates/children"), {"parent": cands[0].pk, "col": "metrics.loss"}
            )
        assert len(r.context["rows"]) == 10


def test_a_filter_filters_the_tree_and_floats_up_matches_whose_parent_does_not_match(
    owner_client, tenant, family
):
    """opt is sgd for even runs and adam for odd ones: run-000 (sgd) has children 001 (adam), 002 (sgd),
    003 (adam); run-004 (sgd) has 005 (adam)."""
    exp, cands = family
    base = {"nest": "1", "sort": "attributes.name", "dir": "asc"}
    r = owner_client.get(exp_url(tenant, exp), {**base, "filter": "params.opt = 'sgd'"})
    assert names(r) == ["run-000", "run-004", "run-006"]  # run-002 stays under its matching parent
    counts = {row.candidate.name: row.children for row in r.context["page"].rows}
    assert counts == {"run-000": 1, "run-004": 0, "run-006": 0}  # only matching children are counted
    assert 'data-children-url="candidates/children?filter=params.opt+%3D+%27sgd%27' in r.content.decode()

    url = exp_url(tenant, exp, "candidates/children")
    rows = owner_client.get(url, {"parent": cands[0].pk, "filter": "params.opt = 'sgd'"}).context["rows"]
    assert [row.candidate.pk for row in rows] == [cands[2].pk]
    both = owner_client.get(url, {"parent": cands[0].pk}).context["rows"]  # unfiltered: all three
    assert len(both) == 3

    # Matching children of parents that do not match are rows of their own.
    r = owner_client.get(exp_url(tenant, exp), {**base, "filter": "params.opt = 'adam'"})
    assert names(r) == ["run-001", "run-003", "run-005", "run-007", "run-009"]
    # The name box filters the tree the same way.
    r = owner_client.get(exp_url(tenant, exp), {**base, "name": "run-00"})
    assert names(r) == ["run-000", "run-004", "run-006", "run-007", "run-009"]
    bad = owner_client.get(url, {"parent": cands[0].pk, "filter": "params.opt = "})
    assert bad.status_code == 400 and "Filter" in bad.content.decode()
