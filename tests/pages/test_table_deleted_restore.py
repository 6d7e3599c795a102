"""The Candidates tab's "Deleted" view and restore: the delete rule (developers and up, any creator), per project."""

import pytest

from candidates.models import Candidate
from experiments.models import Lifecycle
from projects.models import Role
from projects.services import membership_set, user_get_or_create
from tests.pages.conftest import exp_url, seed_experiment, signed_in

XSS = '"><img src=x onerror=alert(1)>'


def names(response):
    return [row.candidate.name for row in response.context["page"].rows]


def _delete(cands):
    Candidate.objects.filter(pk__in=[c.pk for c in cands]).update(lifecycle=Lifecycle.DELETED)


def _lifecycles(cands):
    return list(
        Candidate.objects.filter(pk__in=[c.pk for c in cands])
        .order_by("pk")
        .values_list("lifecycle", flat=True)
    )


def test_deleted_view_lists_only_deleted_candidates(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, candidates=4)
    _delete(cands[:2])
    Candidate.objects.filter(pk=cands[0].pk).update(name=XSS)
    r = owner_client.get(exp_url(tenant, exp), {"view": "deleted"})
    assert sorted(names(r)) == sorted([XSS, "run-001"])
    html = r.content.decode()
    assert 'id="restore-btn"' in html and 'id="delete-btn"' not in html and 'id="pin-btn"' not in html
    assert XSS not in html and "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert sorted(names(owner_client.get(exp_url(tenant, exp)))) == ["run-002", "run-003"]
    # The view keeps its filter, sort and keyset paging.
    r = owner_client.get(exp_url(tenant, exp), {"view": "deleted", "filter": "params.opt = 'adam'"})
    assert names(r) == ["run-001"]


def test_developer_restores_candidates_someone_else_created(tenant):
    exp, cands = seed_experiment(tenant.project, candidates=3, user=tenant.owner)
    _delete(cands)
    dev = signed_in(tenant.developer)
    back = exp_url(tenant, exp) + "?view=deleted"
    r = dev.post(exp_url(tenant, exp, "candidates/restore"), {"c": [cands[0].pk, cands[1].pk], "next": back})
    assert r.status_code == 302 and r["Location"] == back
    assert _lifecycles(cands) == ["active", "active", "deleted"]
    r = dev.get(back)
    assert "Restored 2 candidates." in r.content.decode() and names(r) == ["run-002"]


def test_maintainer_restores_and_active_or_foreign_ids_are_skipped(tenant, other_tenant):
    maintainer = user_get_or_create(username="acme-maintainer")
    membership_set(project=tenant.project, user=maintainer, role=Role.MAINTAINER)
    exp, cands = seed_experiment(tenant.project, candidates=2, user=tenant.developer)
    foreign_exp, foreign = seed_experiment(other_tenant.project, candidates=1)
    _delete([cands[0], foreign[0]])
    r = signed_in(maintainer).post(
        exp_url(tenant, exp, "candidates/restore"),
        {"c": [cands[0].pk, cands[1].pk, foreign[0].pk]},
        follow=True,
    )
    assert "Restored 1 candidate. 2 could not be restored" in r.content.decode()
    assert _lifecycles(cands) == ["active", "active"] and _lifecycles(foreign) == ["deleted"]


def test_reporter_sees_the_deleted_view_but_restores_nothing(tenant):
    exp, cands = seed_experiment(tenant.project, candidates=1)
    _delete(cands)
    rep = signed_in(tenant.reporter)
    r = rep.get(exp_url(tenant, exp), {"view": "deleted"})
    assert names(r) == ["run-000"] and 'id="restore-btn"' not in r.content.decode()
    assert rep.post(exp_url(tenant, exp, "candidates/restore"), {"c": [cands[0].pk]}).status_code == 404
    assert _lifecycles(cands) == ["deleted"]


def test_other_tenant_gets_404(tenant, other_tenant):
    exp, cands = seed_experiment(tenant.project, candidates=1)
    _delete(cands)
    outsider = signed_in(other_tenant.owner)
    assert outsider.get(exp_url(tenant, exp), {"view": "deleted"}).status_code == 404
    assert outsider.post(exp_url(tenant, exp, "candidates/restore"), {"c": [cands[0].pk]}).status_code == 404
    assert _lifecycles(cands) == ["deleted"]


@pytest.mark.parametrize("n", [60, 120])
def test_deleted_view_query_count(owner_client, tenant, assert_query_count, n):
    exp, cands = seed_experiment(tenant.project, candidates=n, steps=1)
    _delete(cands)
    with assert_query_count("experiment_detail_deleted_view"):
        r = owner_client.get(exp_url(tenant, exp), {"view": "deleted", "sort": "metrics.loss"})
    assert len(r.context["page"].rows) == 50
