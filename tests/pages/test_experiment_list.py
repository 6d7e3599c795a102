import pytest

from candidates.models import Candidate, Status
from experiments.models import Lifecycle
from pages import experiment_selectors
from pages.experiment_selectors import count_label
from tests.pages.conftest import seed_experiment, signed_in


@pytest.mark.smoke
def test_list_shows_experiments_with_counts_and_creator(owner_client, tenant):
    seed_experiment(tenant.project, name="vision-a", user=tenant.developer, candidates=4)
    seed_experiment(tenant.project, name="vision-b", candidates=0)
    r = owner_client.get(f"/{tenant.project.path}/-/ml/experiments/")
    assert r.status_code == 200
    rows = {row.experiment.name: row for row in r.context["rows"]}
    assert rows["vision-a"].candidate_count == 4 and rows["vision-a"].running_count == 1
    assert rows["vision-b"].candidate_count == 0
    html = r.content.decode()
    assert "vision-a" in html and tenant.developer.username in html and "1 running" in html


def test_list_search_by_name_and_empty_state_with_tracking_uri(owner_client, tenant):
    r = owner_client.get(f"/{tenant.project.path}/-/ml/experiments/")
    html = r.content.decode()
    assert f"/api/v4/projects/{tenant.project.pk}/ml/mlflow" in html
    assert "MLFLOW_TRACKING_URI" in html and "mlflow.start_run()" in html
    seed_experiment(tenant.project, name="alpha", candidates=1)
    seed_experiment(tenant.project, name="beta", candidates=1)
    r = owner_client.get(f"/{tenant.project.path}/-/ml/experiments/", {"q": "alp"})
    assert [row.experiment.name for row in r.context["rows"]] == ["alpha"]
    r = owner_client.get(f"/{tenant.project.path}/-/ml/experiments/", {"q": "zzz"})
    assert r.context["rows"] == [] and "No experiment matches" in r.content.decode()


def test_list_is_paginated_with_a_fixed_query_count(owner_client, tenant, assert_query_count):
    for i in range(25):
        seed_experiment(tenant.project, name=f"e{i:02d}", candidates=2, steps=1)
    with assert_query_count("experiment_list"):
        r = owner_client.get(f"/{tenant.project.path}/-/ml/experiments/")
    assert len(r.context["rows"]) == 20 and r.context["page_obj"].has_next()
    r = owner_client.get(f"/{tenant.project.path}/-/ml/experiments/", {"page": 2})
    assert len(r.context["rows"]) == 5


def test_non_members_get_404_and_anonymous_users_sign_in(client, tenant, other_tenant):
    seed_experiment(tenant.project, name="secret", candidates=1)
    r = signed_in(other_tenant.owner).get(f"/{tenant.project.path}/-/ml/experiments/")
    assert r.status_code == 404
    r = client.get(f"/{tenant.project.path}/-/ml/experiments/")
    assert r.status_code == 302 and r["Location"].startswith("/users/sign_in")


def test_plotly_bundle_is_served_locally(owner_client):
    r = owner_client.get("/static/vendor/plotly/plotly.min.js")
    assert r.status_code == 200
    body = b"".join(r.streaming_content) if r.streaming else r.content
    assert b"plotly" in body[:2000].lower() and len(body) > 1_000_000


def test_counts_stop_at_the_cap_and_say_so(owner_client, tenant, monkeypatch):
    """Past COUNT_CAP the list, the experiment head and the live numbers say "N+" instead of scanning every
    candidate (an exact count of a million is a full scan on every view and live poll)."""
    monkeypatch.setattr(experiment_selectors, "COUNT_CAP", 3)
    exp, cands = seed_experiment(tenant.project, name="big", candidates=5)
    small, _ = seed_experiment(tenant.project, name="small", candidates=3)
    Candidate.objects.filter(pk__in=[c.pk for c in cands]).update(status=Status.RUNNING)

    r = owner_client.get(f"/{tenant.project.path}/-/ml/experiments/")
    rows = {row.experiment.name: row for row in r.context["rows"]}
    assert (rows["big"].candidate_count, rows["big"].running_count) == (4, 4)  # cap + 1: "more than 3"
    assert (rows["big"].candidate_count_label, rows["big"].running_count_label) == ("3+", "3+")
    assert (rows["small"].candidate_count_label, rows["small"].running_count_label) == ("3", "1")
    html = r.content.decode()
    assert '<td class="num">3+</td>' in html and "3+ running" in html

    page = owner_client.get(f"/{tenant.project.path}/-/ml/experiments/{exp.iid}/").content.decode()
    assert (
        '<span id="count-total">3+</span> candidates' in page and '<span id="count-running">3+</span>' in page
    )
    live = owner_client.get(f"/{tenant.project.path}/-/ml/experiments/{exp.iid}/live.json").json()
    assert (live["total"], live["running"], live["total_label"], live["running_label"]) == (4, 4, "3+", "3+")


def test_counts_are_formatted_and_exclude_deleted_candidates(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, name="vision", candidates=4)
    Candidate.objects.filter(pk=cands[3].pk).update(lifecycle=Lifecycle.DELETED)
    r = owner_client.get(f"/{tenant.project.path}/-/ml/experiments/")
    row = next(row for row in r.context["rows"] if row.experiment.name == "vision")
    assert (row.candidate_count, row.running_count) == (3, 1)
    assert row.last_activity >= max(c.updated_at for c in cands[:3])
    assert count_label(1234567) == "100,000+" and count_label(1234) == "1,234" and count_label(0) == "0"
