"""runs/search: filter, order, paging, view types over the wire; the other tenant finds nothing."""

import json

import pytest

from candidates.services import candidate_create, candidate_log_batch

pytestmark = [pytest.mark.django_db]
S = "api/2.0/mlflow/runs/search"


@pytest.fixture
def runs(tracking_exp):
    made = []
    for i in range(4):
        c = candidate_create(experiment=tracking_exp, name=f"r{i}", start_time=100 + i)
        candidate_log_batch(candidate=c, metrics=[("acc", i / 10, 1, 0)], params=[("p", str(i))])
        made.append(c)
    return made


@pytest.mark.smoke
def test_search_runs_filters_orders_and_pages(read_api, tracking_exp, runs):
    eid = str(tracking_exp.iid)
    body = read_api.post(
        S, {"experiment_ids": [eid], "filter": "metrics.acc > 0.15", "order_by": ["metrics.acc DESC"]}
    )
    found = body.json()["runs"]
    assert [r["info"]["run_name"] for r in found] == ["r3", "r2"]
    assert found[0]["data"]["params"] == [{"key": "p", "value": "3"}]
    page = read_api.post(S, {"experiment_ids": [eid], "max_results": 3, "order_by": ["params.p"]}).json()
    assert [r["info"]["run_name"] for r in page["runs"]] == ["r0", "r1", "r2"]
    rest = read_api.post(
        S,
        {
            "experiment_ids": [eid],
            "max_results": 3,
            "order_by": ["params.p"],
            "page_token": page["next_page_token"],
        },
    ).json()
    assert [r["info"]["run_name"] for r in rest["runs"]] == ["r3"] and "next_page_token" not in rest
    deleted = read_api.post(S, {"experiment_ids": [eid], "run_view_type": "DELETED_ONLY"}).json()
    assert deleted == {"runs": []}


def test_search_runs_errors(read_api, tracking_exp):
    eid = str(tracking_exp.iid)
    for body in (
        {"experiment_ids": [eid], "filter": "metrics.acc >>> 1"},
        {"experiment_ids": [eid], "max_results": 50001},
        {"experiment_ids": [eid], "page_token": "nope"},
        {"experiment_ids": [eid], "order_by": ["metrics.acc sideways"]},
    ):
        response = read_api.post(S, body)
        assert response.status_code == 400 and response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_other_tenant_and_anonymous_find_nothing(
    intruder_api, anon_api, api, other_tenant, tracking_exp, runs
):
    assert intruder_api.post(S, {"experiment_ids": [str(tracking_exp.iid)]}).status_code == 404
    assert anon_api.post(S, {"experiment_ids": [str(tracking_exp.iid)]}).status_code == 401
    from tests.conftest import Api

    own = Api(api.client, other_tenant.project, other_tenant.owner_token)
    assert own.post(S, {"experiment_ids": [str(tracking_exp.iid)], "run_view_type": "ALL"}).json() == {
        "runs": []
    }


def test_search_page_json_matches_the_run_serializer(read_api, tracking_exp):
    """On PostgreSQL the page's JSON is built by the database; it must say exactly what run_json says for the
    same runs: odd floats, inputs with and without optional fields, end_time only when set, escaping."""
    from candidates.selectors import candidate_get_for_project
    from candidates.services import candidate_inputs_log, candidate_update
    from mlflow_api.serializers import run_json
    from packages_registry.logged_models import (
        logged_model_create,
        logged_model_inputs_log,
        logged_model_outputs_log,
    )
    from packages_registry.selectors import logged_model_link_branches

    odd = candidate_create(experiment=tracking_exp, name='quote " and </script>', start_time=5)
    candidate_log_batch(
        candidate=odd,
        metrics=[("nan", float("nan"), 1, 0), ("inf", float("inf"), 2, 1), ("ninf", float("-inf"), 3, 2),
                 ("tiny", 1e-300, 4, 3), ("third", 1 / 3, 5, 4), ("big", 12345678901234.5, 6, -7)],
        params=[("p", "ünïcode \\ \n"), ("empty", "")],
        tags=[("t", "v"), ("mlflow.note.content", "x" * 300)],
    )  # fmt: skip
    candidate_inputs_log(
        candidate=odd,
        datasets=[
            {"name": "d1", "digest": "abc", "source_type": "local", "source": "{}", "schema": "{\"a\": 1}",
             "profile": "", "tags": [{"key": "mlflow.data.context", "value": "train"}]},
            {"name": "d2", "digest": "def", "source_type": "", "source": "", "schema": "", "profile": "p",
             "tags": []},
        ],
    )  # fmt: skip
    finished = candidate_create(experiment=tracking_exp, name="finished", start_time=4)
    candidate_update(candidate=finished, status="FINISHED", end_time=99)
    # MLflow 3 model links: outputs with steps, inputs without datasets
    made, used = (
        logged_model_create(project=tracking_exp.project, experiment=tracking_exp, name=name)
        for name in ("made", "used")
    )
    logged_model_outputs_log(candidate=odd, outputs=[(made.model_id, 7), (used.model_id, -1)])
    logged_model_inputs_log(candidate=finished, model_ids=[used.model_id, made.model_id])
    bare = candidate_create(experiment=tracking_exp, name="bare", start_time=3)

    found = read_api.post(S, {"experiment_ids": [str(tracking_exp.iid)]}).json()["runs"]
    expected = [
        json.loads(
            json.dumps(
                run_json(
                    candidate_get_for_project(
                        project=c.project, eid_hex=c.eid_hex, with_data=True, links=logged_model_link_branches
                    )
                )
            )
        )
        for c in (odd, finished, bare)
    ]
    assert found == expected
    assert "end_time" not in found[0]["info"] and found[1]["info"]["end_time"] == 99
    assert [o["step"] for o in found[0]["outputs"]["model_outputs"]] == [7, -1]
    assert len(found[1]["inputs"]["model_inputs"]) == 2 and found[1]["outputs"] == {} == found[2]["outputs"]
    assert "model_inputs" not in found[2]["inputs"]
    values = {m["key"]: m["value"] for m in found[0]["data"]["metrics"]}
    assert (values["nan"], values["inf"], values["ninf"], values["third"]) == (
        "NaN",
        "Infinity",
        "-Infinity",
        1 / 3,
    )
