"""Pinned query counts of the trace endpoints the client calls for every trace (start, read) and of search, which
must not grow with the number of traces on the page."""

import pytest

from .trace_bodies import T, new_trace_id, trace_info_body, trace_start

pytestmark = [pytest.mark.django_db]


def test_start_and_read_a_trace_have_pinned_query_counts(api, tracking_exp, assert_query_count):
    trace_start(api, tracking_exp.iid)  # the experiment's first trace: nothing is warmed up for the next one
    trace_id = new_trace_id()
    # auth 1, experiment 2, lookup 1, package + trace in a savepoint 4, tags 1, metadata 1, the answer read back
    # 3 (tags merged on a retry), the transaction 2
    with assert_query_count("trace_start"):
        assert api.post(T, trace_info_body(tracking_exp.iid, trace_id=trace_id)).status_code == 200
    with assert_query_count("trace_get_info"):
        assert api.get(f"{T}/{trace_id}").status_code == 200


def test_search_query_count_does_not_grow_with_the_page(api, tracking_exp, assert_query_count):
    body = {"locations": [{"mlflow_experiment": {"experiment_id": str(tracking_exp.iid)}}], "max_results": 50}
    for count in (2, 20):
        while len(api.post(f"{T}/search", body).json().get("traces", [])) < count:
            trace_start(api, tracking_exp.iid)
        with assert_query_count("trace_search"):
            assert len(api.post(f"{T}/search", body).json()["traces"]) == count
