"""Long histories chart from the rollup (candidates/metrics/charts.py): every bucket equals the exact min/max of
the history's points in the same steps (NaN, ±inf, negative and int64-extreme steps), spikes survive at 100
candidates with the exact path's query count, and a history the rollup does not cover is read exactly."""

import math

import pytest
from django.db import transaction
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from candidates.metrics.charts import _series_stats, bucket_rows, metric_series, rollup_shift
from candidates.models import CandidateMetric, CandidateMetricRollup
from candidates.services import candidate_create, candidate_log_batch
from experiments.services import experiment_create
from tests.candidates.rollup import comparable, pg_order

pytestmark = pytest.mark.django_db
INT64_MAX, INT64_MIN = 2**63 - 1, -(2**63)


def reference_buckets(points, stat, buckets, shift):
    """Bucket b over blocks of 2**shift steps (shift 0: the exact path's step buckets), from the points."""
    first, count = stat["lo"] >> shift, (stat["hi"] >> shift) - (stat["lo"] >> shift) + 1
    out = []
    for b in range(buckets):
        start = (first + b * count // buckets) << shift
        end = ((first + (b + 1) * count // buckets) << shift) - 1
        inside = [p for p in points if start <= p[2] <= end]
        if inside:
            values = [p[1] for p in inside]
            steps, stamps = [p[2] for p in inside], [p[3] for p in inside]
            out.append(
                (b, comparable(min(values, key=pg_order)), comparable(max(values, key=pg_order)),
                 min(steps), max(steps), min(stamps), max(stamps), len(inside))
            )  # fmt: skip
    return out


def rows_of(stat, buckets):
    return [
        (b, comparable(v0), comparable(v1), *rest) for _, _, b, v0, v1, *rest in bucket_rows([stat], buckets)
    ]


def check_parity(candidate, name, buckets):
    (stat,) = _series_stats([candidate.pk], [name])
    points = list(
        CandidateMetric.objects.filter(candidate=candidate, name=name).values_list(
            "name", "value", "step", "timestamp"
        )
    )
    shift = rollup_shift(stat, buckets)
    assert rows_of(stat, buckets) == reference_buckets(points, stat, buckets, shift or 0)
    return shift


@pytest.fixture
def experiment(tenant):
    return experiment_create(project=tenant.project, name="rollup")


points_strategy = st.lists(
    st.tuples(
        st.one_of(st.floats(), st.sampled_from([math.nan, math.inf, -math.inf, -0.0])),
        st.one_of(
            st.integers(-300, 300), st.integers(-(2**24), 2**24), st.sampled_from([INT64_MIN, -1, INT64_MAX])
        ),
        st.integers(0, 2**45),
    ),
    min_size=1,
    max_size=80,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(points=points_strategy, buckets=st.integers(1, 6))
def test_rollup_buckets_equal_the_exact_min_max_of_the_same_steps(experiment, points, buckets):
    steps = {s for _, s, _ in points}
    # metric_series buckets only a series spanning more steps than twice its buckets (n > max_points).
    assume(max(steps) - min(steps) + 1 > 2 * buckets)
    with transaction.atomic():  # a savepoint per example: a failing one reports its own error
        candidate = candidate_create(experiment=experiment)
        candidate_log_batch(candidate=candidate, metrics=[("m", v, ts, s) for v, s, ts in points])
        shift = check_parity(candidate, "m", buckets)
    event("read from the rollup" if shift is not None else "read exactly")


@pytest.mark.parametrize(
    ("steps", "buckets", "shift"),
    [(3000, 20, 5), (3000, 40, 5), (3000, 60, None), (3000, 2, 8), (40_000, 3, 11), (300_000, 2, 14)],
)
def test_each_level_or_the_exact_path_is_chosen_and_matches_the_exact_min_max(
    experiment, steps, buckets, shift
):
    candidate = candidate_create(experiment=experiment)
    every = max(1, steps // 3000)
    metrics = [
        ("m", math.sin(s) * 10 if s % 101 else math.nan, s * 3, s - steps // 2)
        for s in range(0, steps, every)
    ]
    metrics.append(("m", 1e6, 1, 17))  # a spike
    candidate_log_batch(candidate=candidate, metrics=metrics)
    assert check_parity(candidate, "m", buckets) == shift


def test_hundred_long_histories_through_the_rollup_keep_every_spike(experiment, assert_query_count):
    cands = [candidate_create(experiment=experiment) for _ in range(100)]
    for i, c in enumerate(cands):
        spike = (i * 37) % 2990
        values = [
            100.0 if s == spike else -100.0 if s == spike + 1 else math.sin(s / 50.0) for s in range(3000)
        ]
        candidate_log_batch(
            candidate=c, metrics=[("long", v, 1_700_000_000_000 + s * 10, s) for s, v in enumerate(values)]
        )
    ids = [c.pk for c in cands]
    # 4,000 points for 100 traces: 20 buckets each, 150 steps a bucket, so blocks of 32 (4 or 5 a bucket).
    assert {rollup_shift(s, 20) for s in _series_stats(ids, ["long"])} == {5}
    with assert_query_count(
        "chart_series_100_long_histories"
    ):  # the exact path's count (test_performance_data)
        series = metric_series(candidate_ids=ids, names=["long"], total_points=4_000)
    assert len(series) == 100 and sum(len(s.x) for s in series) <= 4_000
    for s in series:
        assert s.downsampled and s.total == 3000 and not s.single
        assert max(s.y) == 100.0 and min(s.y) == -100.0  # the spike and the dip of each trace survive
        assert len(s.t) == len(s.x) and s.t == sorted(s.t) and s.x == sorted(s.x)


def test_a_history_the_rollup_does_not_cover_is_read_exactly(experiment):
    candidate = candidate_create(experiment=experiment)
    candidate_log_batch(candidate=candidate, metrics=[("m", float(s % 7), s, s) for s in range(2000)])
    (covered,) = metric_series(candidate_ids=[candidate.pk], names=["m"], max_points=20)
    # Points written around the services before the first step (no blocks for them): the series is read exactly.
    CandidateMetric.objects.create(candidate=candidate, name="m", value=-50.0, step=-1000, timestamp=1)
    (stat,) = _series_stats([candidate.pk], ["m"])
    assert stat["covered"] is False and rollup_shift(stat, 10) is None
    (exact,) = metric_series(candidate_ids=[candidate.pk], names=["m"], max_points=20)
    assert exact.x[:2] == [-1000, -1000] or exact.x[0] == -1000
    assert min(exact.y) == -50.0 and min(covered.y) == 0.0
    # No blocks at all (logged before the rollup existed): read exactly too, the answer is the exact path's.
    CandidateMetricRollup.objects.filter(candidate_id=candidate.pk).delete()
    (stat,) = _series_stats([candidate.pk], ["m"])
    assert stat["covered"] is False
    assert (
        metric_series(candidate_ids=[candidate.pk], names=["m"], max_points=20)[0].as_dict()
        == exact.as_dict()
    )
