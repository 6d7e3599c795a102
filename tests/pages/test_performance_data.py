"""performance/data.json: the metric histories the Performance tab (and the compare page) overlay.

Up to a hundred candidates of the view, about TOTAL_POINTS points in all, single values flagged, the same
query count at 12 and 100 candidates, and min/max-per-bucket downsampling that keeps spikes at that scale."""

from django.db import connection

from candidates.metrics.charts import metric_series
from candidates.models import CandidateLatestMetric, CandidateMetric
from candidates.services import candidate_log_batch
from pages.performance_views import OVERLAY_CAP
from tests.pages.conftest import T0, exp_url, seed_experiment, signed_in


def test_hundred_candidates_overlay_with_a_pinned_query_count(owner_client, tenant, assert_query_count):
    small, _ = seed_experiment(tenant.project, name="small", candidates=12, steps=3)
    big, _ = seed_experiment(tenant.project, name="big", candidates=OVERLAY_CAP + 5, steps=3)
    # 12 candidates take one query more than 100: the view's window reads the rows without a start time only
    # when the rows with one do not fill it (candidates.table._window). The metric part is 3 either way.
    answers = {}
    with assert_query_count("experiment_performance_data"):
        answers[small] = owner_client.get(exp_url(tenant, small, "performance/data.json")).json()
    with assert_query_count("experiment_performance_data_100"):
        answers[big] = owner_client.get(exp_url(tenant, big, "performance/data.json")).json()
    for exp, n, more in ((small, 12, False), (big, OVERLAY_CAP, True)):
        data = answers[exp]
        assert len(data["candidates"]) == n and data["more"] is more and data["cap"] == OVERLAY_CAP
        assert len(data["series"]) == 2 * n  # loss and acc for each
        assert all(c["iid"] and c["name"] for c in data["candidates"])


def test_selected_candidates_are_overlaid_up_to_the_cap(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, candidates=OVERLAY_CAP + 10, steps=2)
    ids = [c.pk for c in cands]
    data = owner_client.get(exp_url(tenant, exp, "performance/data.json"), {"c": ids[:3]}).json()
    assert {c["id"] for c in data["candidates"]} == set(ids[:3]) and data["more"] is False
    data = owner_client.get(exp_url(tenant, exp, "performance/data.json"), {"c": ids}).json()
    assert len(data["candidates"]) == OVERLAY_CAP and data["more"] is True


def test_metric_logged_once_or_at_one_step_is_flagged_single(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, candidates=3, steps=1)
    candidate_log_batch(candidate=cands[1], metrics=[("f1", 0.5, 1, 0)])
    candidate_log_batch(candidate=cands[2], metrics=[("f1", 0.4, 1, 3), ("f1", 0.6, 2, 3)])  # one step, twice
    candidate_log_batch(candidate=cands[2], metrics=[("loss2", 0.4, 1, 0), ("loss2", 0.3, 2, 1)])
    data = owner_client.get(exp_url(tenant, exp, "performance/data.json")).json()
    single = {(s["metric"], s["candidate_id"]): s["single"] for s in data["series"]}
    assert single[("f1", cands[1].pk)] is True and single[("f1", cands[2].pk)] is True
    assert single[("loss", cands[0].pk)] is True  # steps=1: every seeded metric is a final value
    assert single[("loss2", cands[2].pk)] is False


def test_other_tenant_gets_404_and_a_bad_filter_400(owner_client, tenant, other_tenant):
    exp, _ = seed_experiment(tenant.project, candidates=2)
    url = exp_url(tenant, exp, "performance/data.json")
    assert signed_in(other_tenant.owner).get(url).status_code == 404
    r = owner_client.get(url, {"filter": "metrics.loss >>> 2"})
    assert r.status_code == 400 and "Filter" in r.json()["error"]


def _long_histories(candidates, steps, spike_at):
    """`steps` points per candidate by one INSERT ... generate_series (the ORM would take minutes), a spike of
    100.0 at `spike_at[i]` on candidate i and a dip to -100.0 at the step after it."""
    with connection.cursor() as cur:
        for i, c in enumerate(candidates):
            cur.execute(
                """INSERT INTO candidates_candidatemetric (candidate_id, name, value, step, timestamp)
                   SELECT %s, 'long', CASE WHEN s = %s THEN 100.0 WHEN s = %s THEN -100.0
                                           ELSE sin(s / 50.0) END, s, 1700000000000 + s * 10
                   FROM generate_series(0, %s - 1) s""",
                [c.pk, spike_at[i], spike_at[i] + 1, steps],
            )
    CandidateLatestMetric.objects.bulk_create(
        [
            CandidateLatestMetric(candidate=c, name="long", value=0.0, step=steps - 1, timestamp=1)
            for c in candidates
        ]
    )


def test_hundred_long_histories_stay_within_the_points_budget_and_keep_every_spike(
    tenant, assert_query_count
):
    exp, cands = seed_experiment(tenant.project, candidates=100, steps=1)
    spikes = [(i * 37) % 2990 for i in range(100)]
    _long_histories(cands, 3000, spikes)  # by SQL, around the services: no rollup, every series read exactly
    with assert_query_count("chart_series_100_long_histories"):
        series = metric_series(candidate_ids=[c.pk for c in cands], names=["long"], total_points=20_000)
    assert len(series) == 100
    assert sum(len(s.x) for s in series) <= 20_000
    for s in series:
        assert s.downsampled and s.total == 3000 and not s.single
        assert max(s.y) == 100.0 and min(s.y) == -100.0  # the spike and the dip of each trace survive
        assert len(s.t) == len(s.x) and s.t == sorted(s.t)
        assert s.t[0] >= 1_700_000_000_000 and s.t[-1] <= 1_700_000_000_000 + 2999 * 10
    assert CandidateMetric.objects.filter(name="long").count() == 300_000


def test_points_per_trace_shrink_as_traces_grow(tenant):
    exp, cands = seed_experiment(tenant.project, candidates=4, steps=1)
    _long_histories(cands, 2000, [5, 6, 7, 8])
    ids = [c.pk for c in cands]
    one = metric_series(candidate_ids=ids[:1], names=["long"], total_points=200_000)
    four = metric_series(candidate_ids=ids, names=["long"], total_points=2_000)
    assert len(one[0].x) == 1000  # the per-series ceiling (500 buckets x min and max)
    assert all(len(s.x) <= 500 for s in four) and sum(len(s.x) for s in four) <= 2_000


def test_traces_follow_the_view_order_with_steps_and_wall_times(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, candidates=12, steps=5)
    url = exp_url(tenant, exp, "performance/data.json")
    data = owner_client.get(url, {"sort": "metrics.loss", "dir": "asc"}).json()
    assert [c["name"] for c in data["candidates"]][:2] == ["run-011", "run-010"]
    loss = [s for s in data["series"] if s["metric"] == "loss"]
    assert [s["candidate_id"] for s in loss] == [c["id"] for c in data["candidates"]]
    assert all(s["x"] == [0, 1, 2, 3, 4] and s["t"] == [T0 + k for k in range(5)] for s in loss)
    assert not any(s["single"] or s["downsampled"] for s in loss)
