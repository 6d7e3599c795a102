"""`POST api/3.0/mlflow/traces/search` (SearchTracesV3): an experiment's traces, newest first, paged."""

import pytest

from experiments.services import experiment_create

from .trace_bodies import trace_start

S = "api/3.0/mlflow/traces/search"


def _location(iid) -> dict:
    return {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": str(iid)}}


@pytest.fixture
def five_traces(api, tracking_exp) -> list[str]:
    """Five traces one second apart, the oldest first; the odd ones tagged `kind=odd`, the last one an ERROR."""
    ids = []
    for second in range(5):
        info = trace_start(
            api,
            tracking_exp.iid,
            request_time=f"2026-12-02T10:00:0{second}Z",
            execution_duration=f"{second + 1}s",
            state="ERROR" if second == 4 else "OK",
            tags={"kind": "odd" if second % 2 else "even"},
        ).json()
        ids.append(info["trace"]["trace_info"]["trace_id"])
    return ids


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [t["trace_id"] for t in response.json().get("traces", [])]


def test_search_answers_newest_first_and_pages(read_api, tracking_exp, five_traces):
    body = {"locations": [_location(tracking_exp.iid)], "max_results": 2}
    first = read_api.post(S, body)
    assert _ids(first) == five_traces[::-1][:2]
    token = first.json()["next_page_token"]
    second = read_api.post(S, {**body, "page_token": token})
    assert _ids(second) == five_traces[::-1][2:4]
    last = read_api.post(S, {**body, "page_token": second.json()["next_page_token"]})
    assert _ids(last) == five_traces[:1]
    assert "next_page_token" not in last.json()
    assert last.json()["traces"][0]["tags"]["kind"] == "even"


def test_search_orders_and_filters(read_api, tracking_exp, five_traces):
    loc = [_location(tracking_exp.iid)]
    assert _ids(read_api.post(S, {"locations": loc, "order_by": ["timestamp_ms ASC"]})) == five_traces
    assert (
        _ids(read_api.post(S, {"locations": loc, "order_by": ["execution_time_ms DESC"]}))
        == five_traces[::-1]
    )
    odd = read_api.post(S, {"locations": loc, "filter": "tags.kind = 'odd'", "order_by": ["timestamp_ms"]})
    assert _ids(odd) == [five_traces[1], five_traces[3]]
    errors = read_api.post(S, {"locations": loc, "filter": "attributes.status = 'ERROR'"})
    assert _ids(errors) == [five_traces[4]]
    late = read_api.post(S, {"locations": loc, "filter": "timestamp_ms > 1796205602000"})
    assert _ids(late) == five_traces[:2:-1]
    meta = read_api.post(S, {"locations": loc, "filter": "request_metadata.`mlflow.user` = 'dev'"})
    assert len(_ids(meta)) == 5


def test_search_sees_only_the_experiments_asked_for_and_only_in_its_project(
    api, read_api, intruder_api, tenant, tracking_exp, five_traces
):
    other = experiment_create(project=tenant.project, name="other", user=tenant.developer)
    trace_start(api, other.iid)
    assert len(_ids(read_api.post(S, {"locations": [_location(other.iid)]}))) == 1
    both = read_api.post(S, {"locations": [_location(other.iid), _location(tracking_exp.iid)]})
    assert len(_ids(both)) == 6
    assert read_api.post(S, {"locations": [_location(999)]}).json() == {}
    assert intruder_api.post(S, {"locations": [_location(tracking_exp.iid)]}).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"locations": "1"},
        {"locations": [{"mlflow_experiment": {"experiment_id": "one"}}]},
        {"locations": [_location(1)], "max_results": 0},
        {"locations": [_location(1)], "max_results": 501},
        {"locations": [_location(1)], "max_results": "many"},
        {"locations": [_location(1)], "order_by": ["nonsense DESC"]},
        {"locations": [_location(1)], "order_by": "timestamp_ms"},
        {"locations": [_location(1)], "filter": "tags.kind = "},
        {"locations": [_location(1)], "filter": "attributes.nope = 'x'"},
        {"locations": [_location(1)], "page_token": "not-a-token"},
    ],
)
def test_bad_search_input_is_a_400(read_api, tracking_exp, body):
    response = read_api.post(S, body)
    assert response.status_code == 400, response.content
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
