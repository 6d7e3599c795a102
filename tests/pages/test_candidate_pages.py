import pytest

from candidates.models import Candidate, CandidateInput
from experiments.models import Lifecycle
from tests.pages.conftest import add_metadata, exp_url, seed_experiment, signed_in

XSS = "</script><script>alert(1)</script>"


@pytest.mark.smoke
def test_candidate_page_shows_everything_with_a_fixed_query_count(owner_client, tenant, assert_query_count):
    exp, cands = seed_experiment(tenant.project, candidates=2, steps=3)
    c = cands[1]
    add_metadata(c, team="vision", mlflow__source__name="train.py", note=XSS)
    CandidateInput.objects.create(candidate=c, name="mnist", digest="abc123", source_type="local")
    url = f"/{tenant.project.path}/-/ml/candidates/{c.pk}/"
    with assert_query_count("candidate_detail"):
        r = owner_client.get(url)
    assert r.status_code == 200
    d = r.context["details"]
    assert [n for n, _ in d.metadata] == ["note", "team"]
    assert d.system_metadata == [("mlflow.source.name", "train.py")]
    html = r.content.decode()
    for text in (
        c.eid_hex,
        "run-001",
        "mnist",
        "lr",
        "0.01",
        f"ml_experiment_{exp.iid} version {c.iid}",
        "1m 05s",
    ):
        assert text in html
    assert XSS not in html and "&lt;/script&gt;" in html


def test_promote_link_for_developers_and_above_only(tenant):
    exp, cands = seed_experiment(tenant.project, candidates=1)
    url = f"/{tenant.project.path}/-/ml/candidates/{cands[0].pk}/"
    promote = f'href="/{tenant.project.path}/-/ml/models/promote?candidate={cands[0].pk}" id="promote-link"'
    for user in (tenant.owner, tenant.developer):
        html = signed_in(user).get(url).content.decode()
        assert promote in html and "Promote to model version" in html
    html = signed_in(tenant.reporter).get(url).content.decode()
    assert "promote-link" not in html and "/-/ml/models/promote" not in html


def test_candidate_of_another_project_or_deleted_is_404(owner_client, tenant, other_tenant):
    exp, cands = seed_experiment(other_tenant.project, candidates=1)
    assert owner_client.get(f"/{tenant.project.path}/-/ml/candidates/{cands[0].pk}/").status_code == 404
    mine, cands = seed_experiment(tenant.project, candidates=1)
    Candidate.objects.filter(pk=cands[0].pk).update(lifecycle=Lifecycle.DELETED)
    assert owner_client.get(f"/{tenant.project.path}/-/ml/candidates/{cands[0].pk}/").status_code == 404


def test_candidate_chart_and_live_endpoints(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, candidates=1, steps=4)
    base = f"/{tenant.project.path}/-/ml/candidates/{cands[0].pk}/"
    data = owner_client.get(base + "metrics.json").json()
    assert sorted(s["metric"] for s in data["series"]) == ["acc", "loss"] and data["running"] is True
    live = owner_client.get(base + "live.json").json()
    assert live["status"] == "RUNNING" and live["metrics"]["loss"]["step"] == 3


def test_compare_highlights_differences(owner_client, tenant, assert_query_count):
    exp, cands = seed_experiment(tenant.project, candidates=4)
    with assert_query_count("experiment_compare"):
        r = owner_client.get(exp_url(tenant, exp, "compare/"), {"c": [cands[1].pk, cands[3].pk]})
    data = r.context["data"]
    assert [c.name for c in data.candidates] == ["run-001", "run-003"]
    params = {n: (v, diff) for n, v, diff in data.params}
    assert params["opt"] == (["adam", "adam"], False) and params["lr"] == (["0.01", "0.03"], True)
    assert 'class="diff" data-param="lr"' in r.content.decode()
    r = owner_client.get(exp_url(tenant, exp, "compare/"), {"c": [cands[1].pk]})
    assert r.context["too_few"] and "Select 2 to 100" in r.content.decode()


def test_delete_confirmation_then_soft_delete(tenant):
    exp, cands = seed_experiment(tenant.project, candidates=4, user=tenant.developer)
    url = exp_url(tenant, exp, "candidates/delete")
    ids = [c.pk for c in cands[:3]]
    dev = signed_in(tenant.developer)
    r = dev.post(url, {"c": ids})  # first step: confirmation page, nothing deleted yet
    assert r.status_code == 200 and all(c.name in r.content.decode() for c in cands[:3])
    assert Candidate.objects.filter(experiment=exp, lifecycle=Lifecycle.ACTIVE).count() == 4
    r = dev.post(url, {"c": ids, "confirm": "1"}, follow=True)
    assert "Deleted 3 candidates." in r.content.decode()
    assert set(
        Candidate.objects.filter(experiment=exp, lifecycle=Lifecycle.ACTIVE).values_list("pk", flat=True)
    ) == {cands[3].pk}
    # Through the candidate page too; it goes back to the experiment.
    owner = signed_in(tenant.owner)
    r = owner.post(f"/{tenant.project.path}/-/ml/candidates/{cands[3].pk}/delete", {"confirm": "1"})
    assert r.status_code == 302 and r["Location"] == exp_url(tenant, exp)
    assert Candidate.objects.get(pk=cands[3].pk).lifecycle == Lifecycle.DELETED


def test_forms_need_csrf(tenant):
    from django.test import Client

    exp, cands = seed_experiment(tenant.project, candidates=1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(tenant.owner)
    r = client.post(exp_url(tenant, exp, "candidates/delete"), {"c": [cands[0].pk], "confirm": "1"})
    assert r.status_code == 403
    assert Candidate.objects.get(pk=cands[0].pk).lifecycle == Lifecycle.ACTIVE
