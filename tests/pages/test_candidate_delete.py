"""Deleting candidates from the pages: GitLab's rule (`write_model_experiments`), developers and up, any owner."""

import pytest

from candidates.models import Candidate
from experiments.models import Lifecycle
from projects.models import Role
from projects.services import membership_set, user_get_or_create
from tests.pages.conftest import exp_url, seed_experiment, signed_in


@pytest.fixture
def maintainer(tenant):
    user = user_get_or_create(username="acme-maintainer")
    membership_set(project=tenant.project, user=user, role=Role.MAINTAINER)
    return user


def _active_ids(exp) -> set[int]:
    return set(
        Candidate.objects.filter(experiment=exp, lifecycle=Lifecycle.ACTIVE).values_list("pk", flat=True)
    )


def test_developer_deletes_candidates_someone_else_created(tenant):
    exp, cands = seed_experiment(tenant.project, candidates=3, user=tenant.owner)
    dev = signed_in(tenant.developer)
    url = exp_url(tenant, exp, "candidates/delete")
    r = dev.post(url, {"c": [cands[0].pk, cands[1].pk]})  # confirmation page first
    assert r.status_code == 200 and "will be kept" not in r.content.decode()
    assert len(_active_ids(exp)) == 3
    r = dev.post(url, {"c": [cands[0].pk, cands[1].pk], "confirm": "1"}, follow=True)
    assert "Deleted 2 candidates." in r.content.decode() and "could not be deleted" not in r.content.decode()
    assert _active_ids(exp) == {cands[2].pk}
    r = dev.post(f"/{tenant.project.path}/-/ml/candidates/{cands[2].pk}/delete", {"confirm": "1"})
    assert r.status_code == 302 and _active_ids(exp) == set()


def test_developer_sees_delete_controls_on_others_candidates(tenant):
    exp, cands = seed_experiment(tenant.project, candidates=1, user=tenant.owner)
    html = (
        signed_in(tenant.developer)
        .get(f"/{tenant.project.path}/-/ml/candidates/{cands[0].pk}/")
        .content.decode()
    )
    assert f"/{tenant.project.path}/-/ml/candidates/{cands[0].pk}/delete" in html
    html = signed_in(tenant.developer).get(exp_url(tenant, exp)).content.decode()
    assert 'data-readonly="1"' not in html


def test_maintainer_deletes_any_candidate(tenant, maintainer):
    exp, cands = seed_experiment(tenant.project, candidates=2, user=tenant.developer)
    r = signed_in(maintainer).post(
        exp_url(tenant, exp, "candidates/delete"), {"c": [c.pk for c in cands], "confirm": "1"}, follow=True
    )
    assert "Deleted 2 candidates." in r.content.decode() and _active_ids(exp) == set()


def test_reporter_deletes_nothing(tenant):
    exp, cands = seed_experiment(tenant.project, candidates=1, user=tenant.reporter)
    rep = signed_in(tenant.reporter)
    assert (
        rep.post(exp_url(tenant, exp, "candidates/delete"), {"c": [cands[0].pk], "confirm": "1"}).status_code
        == 404
    )
    url = f"/{tenant.project.path}/-/ml/candidates/{cands[0].pk}/delete"
    assert rep.post(url, {"confirm": "1"}).status_code == 404
    html = rep.get(f"/{tenant.project.path}/-/ml/candidates/{cands[0].pk}/").content.decode()
    assert url not in html
    assert _active_ids(exp) == {cands[0].pk}
