"""Order by one metric: the phased queries (numbers, NaN, missing; each an index-friendly ORDER BY) return exactly
MLflow's order, the one the single sort expression of `_order_expressions` defines, for every page size and
offset. Random histories with ties, NaN, ±inf, missing metrics and missing start times (hypothesis)."""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candidates.models import Candidate, CandidateLatestMetric, Lifecycle
from candidates.search import _order_expressions, candidate_search_ids
from projects.querying import NextPage, OrderKey

pytestmark = pytest.mark.django_db

VALUES = st.one_of(
    st.none(),  # no metric
    st.sampled_from([0.0, 1.0, -1.0, 0.5, math.nan, math.inf, -math.inf]),  # ties and the special values
    st.floats(allow_nan=False, min_value=-1e6, max_value=1e6),
)
ROWS = st.lists(st.tuples(VALUES, st.one_of(st.none(), st.integers(0, 5))), min_size=0, max_size=25)


def oracle(experiment, key):
    qs = Candidate.objects.filter(experiment=experiment, lifecycle=Lifecycle.ACTIVE)
    qs, expressions = _order_expressions(qs, [key])
    return list(qs.order_by(*expressions).values_list("pk", flat=True))


def walk(tenant, experiment, key, limit):
    ids, position = [], NextPage()
    while True:
        page, position = candidate_search_ids(
            project=tenant.project, experiment_iids=[experiment.iid], order=[key], limit=limit,
            offset=position.offset,
        )  # fmt: skip
        ids += page
        if position is None:
            return ids


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, limit=st.integers(1, 7), ascending=st.booleans())
def test_phased_metric_order_equals_the_single_expression_order(tenant, experiment, rows, limit, ascending):
    Candidate.objects.filter(experiment=experiment).delete()
    made = Candidate.objects.bulk_create(
        [
            Candidate(experiment=experiment, project=tenant.project, iid=i + 1, name=f"r{i}", status="FINISHED",
                      start_time=None if start is None else 1000 + start)
            for i, (_value, start) in enumerate(rows)
        ]
    )  # fmt: skip
    CandidateLatestMetric.objects.bulk_create(
        [
            CandidateLatestMetric(candidate=c, name="acc", value=value, step=0, timestamp=0)
            for c, (value, _start) in zip(made, rows, strict=True)
            if value is not None
        ]
    )
    key = OrderKey(kind="metric", key="acc", ascending=ascending)
    expected = oracle(experiment, key)
    assert walk(tenant, experiment, key, limit) == expected
    # A page starting anywhere (a token built by hand, or the next page of another size) is the same slice.
    for offset in range(0, len(expected) + 2, 3):
        page, _ = candidate_search_ids(
            project=tenant.project, experiment_iids=[experiment.iid], order=[key], limit=limit, offset=offset
        )
        assert page == expected[offset : offset + limit]
