"""performance/summary.json: min and max of each metric's latest value over the whole view, and who holds them."""

from tests.pages.conftest import exp_url, seed_experiment, signed_in


def test_summary_over_the_filtered_view(owner_client, tenant, assert_query_count):
    exp, cands = seed_experiment(tenant.project, candidates=4, steps=3)
    with assert_query_count("experiment_performance_summary"):
        r = owner_client.get(
            exp_url(tenant, exp, "performance/summary.json"), {"filter": "params.opt = 'sgd'"}
        )
    data = r.json()
    summary = {s["name"]: s for s in data["metrics"]}
    assert summary["loss"]["count"] == 2  # run-000 and run-002
    assert summary["loss"]["min_candidate"] == {"id": cands[2].pk, "name": "run-002"}
    assert summary["loss"]["max_candidate"] == {"id": cands[0].pk, "name": "run-000"}
    assert data["candidate_url"] == f"/{tenant.project.path}/-/ml/candidates/"


def test_empty_view_and_other_tenant(owner_client, tenant, other_tenant):
    exp, _ = seed_experiment(tenant.project, candidates=2)
    url = exp_url(tenant, exp, "performance/summary.json")
    assert owner_client.get(url, {"name": "nothing-matches"}).json()["metrics"] == []
    assert signed_in(other_tenant.owner).get(url).status_code == 404
