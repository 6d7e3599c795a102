"""performance/points.json: one point per candidate of the view (params and latest metrics) for the scatter,
parallel coordinates and contour charts, loaded after the Performance tab."""

from candidates.models import Candidate, CandidateParam
from tests.pages.conftest import exp_url, seed_experiment, signed_in

EVIL = '"><img src=x onerror=alert(1)><script>alert(2)</script>'


def test_points_carry_params_varying_first_and_latest_metrics(owner_client, tenant, assert_query_count):
    exp, cands = seed_experiment(tenant.project, candidates=4, steps=3)
    with assert_query_count("experiment_performance_points"):
        r = owner_client.get(
            exp_url(tenant, exp, "performance/points.json"), {"filter": "params.opt = 'sgd'"}
        )
    assert r.status_code == 200 and r["Content-Type"] == "application/json"
    data = r.json()
    assert {c["name"] for c in data["candidates"]} == {"run-000", "run-002"}
    assert data["params"][-1] == "seed" and set(data["params"][:2]) == {"lr", "opt"}  # constant last
    assert data["metrics"] == ["acc", "loss"]
    run2 = next(c for c in data["candidates"] if c["name"] == "run-002")
    assert run2["params"] == {"lr": "0.02", "opt": "sgd", "seed": "7"} and run2["iid"] == 3
    assert run2["metrics"]["loss"] == 1.0 / (1 + 2 + 2)


def test_user_text_travels_raw_as_json_for_the_script_to_escape(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, candidates=2)
    Candidate.objects.filter(pk=cands[0].pk).update(name=EVIL)
    CandidateParam.objects.create(candidate=cands[0], name=EVIL, value=EVIL)
    r = owner_client.get(exp_url(tenant, exp, "performance/points.json"))
    data = r.json()  # JSON, never HTML: the browser does not parse it as markup
    evil = next(c for c in data["candidates"] if c["id"] == cands[0].pk)
    assert evil["name"] == EVIL and evil["params"][EVIL] == EVIL


def test_other_tenant_gets_404_and_a_bad_filter_400(owner_client, tenant, other_tenant):
    exp, _ = seed_experiment(tenant.project, candidates=2)
    url = exp_url(tenant, exp, "performance/points.json")
    assert signed_in(other_tenant.owner).get(url).status_code == 404
    r = owner_client.get(url, {"filter": "metrics.loss >>> 2"})
    assert r.status_code == 400 and "Filter" in r.json()["error"]
