"""Any step the API accepts charts: a run logging steps -1 and 2**63-1 made the bucket bounds overflow bigint
(`lo + (b * span) / B`) and the Performance data and the candidate's metrics.json answered 500."""

from candidates.metrics.charts import metric_series
from candidates.services import candidate_log_batch
from tests.pages.conftest import exp_url, seed_experiment

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


def _extreme(candidate, steps):
    candidate_log_batch(candidate=candidate, metrics=[("loss", float(i), 1, s) for i, s in enumerate(steps)])


def test_steps_minus_one_and_int64_max_chart_on_the_performance_data(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, candidates=2, steps=5)
    _extreme(cands[1], [-1, 0, 1, INT64_MAX])
    response = owner_client.get(exp_url(tenant, exp, "performance/data.json"))
    assert response.status_code == 200
    loss = {s["candidate_id"]: s for s in response.json()["series"] if s["metric"] == "loss"}
    extreme = loss[cands[1].pk]
    # A 2**63-wide span in 500 buckets: steps -1..4 share the first (drawn as its min and max at its middle
    # step), 2**63-1 has the last to itself.
    assert extreme["downsampled"] is True
    assert extreme["x"] == [1.5, 1.5, INT64_MAX]
    assert extreme["y"] == [0.0, 2.0, 3.0]
    assert loss[cands[0].pk]["x"] == [0, 1, 2, 3, 4]  # the normal run beside it is untouched


def test_steps_across_the_whole_int64_range_chart_on_the_candidate_page(owner_client, tenant):
    exp, cands = seed_experiment(tenant.project, candidates=1, steps=3)
    _extreme(cands[0], [INT64_MIN, -1, INT64_MAX])
    response = owner_client.get(f"/{tenant.project.path}/-/ml/candidates/{cands[0].pk}/metrics.json")
    assert response.status_code == 200
    loss = next(s for s in response.json()["series"] if s["metric"] == "loss")
    # 500 buckets over 2**64 steps: the middle boundary falls exactly at 0, so -1 ends bucket 249 alone and
    # 0, 1, 2 share bucket 250 (drawn at its middle step).
    assert loss["x"] == [INT64_MIN, -1, 1.0, 1.0, INT64_MAX]


def test_extreme_series_keeps_every_point_in_some_bucket(tenant):
    exp, cands = seed_experiment(tenant.project, candidates=1, steps=1)
    steps = [INT64_MIN, INT64_MIN + 1, -1, 0, 1, 2**40, INT64_MAX - 1, INT64_MAX]
    candidate_log_batch(candidate=cands[0], metrics=[("edge", float(i), 1, s) for i, s in enumerate(steps)])
    (series,) = metric_series(candidate_ids=[cands[0].pk], names=["edge"], max_points=4)
    # 2 buckets over the whole range: each holds its min and max value; together they cover all 8 values.
    assert series.downsampled
    assert min(series.y) == 0.0 and max(series.y) == 7.0
    assert len(series.x) == 4
