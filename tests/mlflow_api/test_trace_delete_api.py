"""`POST api/3.0/mlflow/traces/delete-traces` (DeleteTraces): by ids, or the oldest up to a time (at most
`max_traces` of them); the rows go and so do their span files."""

import pytest

from packages_registry.models import Package, PackageFile
from traces.models import Trace

from .trace_bodies import trace_start

D = "api/3.0/mlflow/traces/delete-traces"


@pytest.fixture
def three_traces(api, tracking_exp) -> list[str]:
    ids = []
    for second in range(3):
        info = trace_start(api, tracking_exp.iid, request_time=f"2026-12-02T10:00:0{second}Z").json()
        trace_id = info["trace"]["trace_info"]["trace_id"]
        art = f"api/2.0/mlflow-artifacts/artifacts/{tracking_exp.iid}/traces/{trace_id}/artifacts/traces.json"
        assert (
            api.client.put(
                api.base + art, b'{"spans": []}', content_type="application/json", **api.headers
            ).status_code
            == 200
        )
        ids.append(trace_id)
    return ids


def test_delete_by_ids(api, tracking_exp, three_traces):
    response = api.post(D, {"experiment_id": str(tracking_exp.iid), "request_ids": three_traces[:2]})
    assert response.json() == {"traces_deleted": 2}
    assert list(Trace.objects.values_list("trace_id", flat=True)) == three_traces[2:]
    assert PackageFile.objects.count() == 1 and Package.objects.count() == 1


def test_delete_up_to_a_time_oldest_first(api, tracking_exp, three_traces):
    body = {"experiment_id": str(tracking_exp.iid), "max_timestamp_millis": 1796205601000, "max_traces": 1}
    assert api.post(D, body).json() == {"traces_deleted": 1}
    assert sorted(Trace.objects.values_list("trace_id", flat=True)) == sorted(three_traces[1:])
    body.pop("max_traces")
    assert api.post(D, body).json() == {"traces_deleted": 1}
    assert list(Trace.objects.values_list("trace_id", flat=True)) == three_traces[2:]


def test_delete_in_another_experiment_deletes_nothing(api, tenant, three_traces):
    from experiments.services import experiment_create

    other = experiment_create(project=tenant.project, name="other", user=tenant.developer)
    response = api.post(D, {"experiment_id": str(other.iid), "request_ids": three_traces})
    assert response.json() == {"traces_deleted": 0}
    assert Trace.objects.count() == 3


def test_read_token_and_other_project_cannot_delete(read_api, intruder_api, tracking_exp, three_traces):
    body = {"experiment_id": str(tracking_exp.iid), "request_ids": three_traces}
    assert read_api.post(D, body).status_code == 403
    assert intruder_api.post(D, body).status_code == 404
    assert Trace.objects.count() == 3


@pytest.mark.parametrize(
    "body",
    [
        {"experiment_id": "1"},
        {"request_ids": ["tr-1"]},
        {"experiment_id": "1", "max_timestamp_millis": 5, "request_ids": ["tr-1"]},
        {"experiment_id": "1", "request_ids": ["tr-1"], "max_traces": 2},
        {"experiment_id": "1", "max_timestamp_millis": 5, "max_traces": 0},
        {"experiment_id": "1", "max_timestamp_millis": "soon"},
        {"experiment_id": "1", "request_ids": "tr-1"},
        {"experiment_id": "1", "request_ids": [1]},
    ],
)
def test_bad_delete_input_is_a_400(api, tracking_exp, body):
    response = api.post(D, body)
    assert response.status_code == 400, response.content
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
