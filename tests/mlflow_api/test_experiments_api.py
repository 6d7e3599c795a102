"""experiments/* endpoints: MLflow JSON shapes, errors, refusals, and the other tenant gets nothing."""

import pytest

from experiments.models import Experiment, ExperimentMetadata

pytestmark = [pytest.mark.django_db]
E = "api/2.0/mlflow/experiments/"


@pytest.mark.smoke
def test_create_and_get_return_mlflow_json(api, read_api, tenant):
    response = api.post(E + "create", {"name": "exp-a", "tags": [{"key": "team", "value": "a"}]})
    assert response.status_code == 200
    experiment_id = response.json()["experiment_id"]
    assert experiment_id == "1"
    body = read_api.get(E + "get", {"experiment_id": experiment_id}).json()["experiment"]
    assert body["experiment_id"] == "1" and body["name"] == "exp-a" and body["lifecycle_stage"] == "active"
    assert body["artifact_location"] == "mlflow-artifacts:/1"
    assert body["tags"] == [{"key": "team", "value": "a"}]
    assert isinstance(body["creation_time"], int) and isinstance(body["last_update_time"], int)
    by_name = read_api.get(E + "get-by-name", {"experiment_name": "exp-a"}).json()["experiment"]
    assert by_name["experiment_id"] == "1"


def test_create_errors(api, tenant):
    api.post(E + "create", {"name": "dup"})
    duplicate = api.post(E + "create", {"name": "dup"})
    assert duplicate.status_code == 400 and duplicate.json()["error_code"] == "RESOURCE_ALREADY_EXISTS"
    missing = api.post(E + "create", {})
    assert missing.status_code == 400 and missing.json() == {
        "error_code": "INVALID_PARAMETER_VALUE",
        "message": "Missing value for required parameter 'name'. See the API docs for more information about "
        "request parameters.",
    }
    assert api.post(E + "create", {"name": "x" * 501}).json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert Experiment.objects.filter(project=tenant.project).count() == 1


def test_missing_experiment_is_404(read_api, tracking_exp):
    response = read_api.get(E + "get", {"experiment_id": "987654"})
    assert response.status_code == 404 and response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    response = read_api.get(E + "get-by-name", {"experiment_name": "nope"})
    assert response.status_code == 404 and response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    assert read_api.get(E + "get", {"experiment_id": "abc"}).json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_default_experiment_zero_exists_on_demand(read_api, api):
    body = read_api.get(E + "get", {"experiment_id": "0"}).json()["experiment"]
    assert body["name"] == "Default" and body["experiment_id"] == "0"
    assert api.post(E + "delete", {"experiment_id": "0"}).json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_update_delete_restore_and_tags(api, read_api, tracking_exp):
    eid = str(tracking_exp.iid)
    assert api.post(E + "update", {"experiment_id": eid, "new_name": "renamed"}).json() == {}
    assert (
        api.post(E + "set-experiment-tag", {"experiment_id": eid, "key": "k", "value": "v"}).status_code
        == 200
    )
    assert (
        api.post(E + "set-experiment-tag", {"experiment_id": eid, "key": "k", "value": "w"}).status_code
        == 200
    )
    body = read_api.get(E + "get", {"experiment_id": eid}).json()["experiment"]
    assert body["name"] == "renamed" and body["tags"] == [{"key": "k", "value": "w"}]
    assert api.post(E + "delete-experiment-tag", {"experiment_id": eid, "key": "k"}).json() == {}
    missing_tag = api.post(E + "delete-experiment-tag", {"experiment_id": eid, "key": "k"})
    assert missing_tag.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    assert api.post(E + "delete", {"experiment_id": eid}).json() == {}
    assert (
        read_api.get(E + "get", {"experiment_id": eid}).json()["experiment"]["lifecycle_stage"] == "deleted"
    )
    assert api.post(E + "restore", {"experiment_id": eid}).json() == {}
    assert read_api.get(E + "get", {"experiment_id": eid}).json()["experiment"]["lifecycle_stage"] == "active"


def test_search_get_and_post(api, read_api, tenant):
    for name in ("s-b", "s-a", "s-c"):
        api.post(E + "create", {"name": name})
    body = read_api.post(
        E + "search", {"filter": "name LIKE 's-%'", "order_by": ["name ASC"], "max_results": 2}
    )
    body = body.json()
    assert [e["name"] for e in body["experiments"]] == ["s-a", "s-b"] and body["next_page_token"]
    rest = read_api.post(
        E + "search",
        {"filter": "name LIKE 's-%'", "order_by": ["name ASC"], "page_token": body["next_page_token"]},
    ).json()
    assert [e["name"] for e in rest["experiments"]] == ["s-c"] and "next_page_token" not in rest
    got = read_api.get(
        E + "search", {"filter": "name = 's-b'", "max_results": "10", "view_type": "ALL"}
    ).json()
    assert [e["name"] for e in got["experiments"]] == ["s-b"]
    bad = read_api.post(E + "search", {"filter": "name >>> 'x'"})
    assert bad.status_code == 400 and bad.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_read_only_token_cannot_write(read_api, tracking_exp, tenant):
    eid = str(tracking_exp.iid)
    for path, body in (
        ("create", {"name": "ro"}),
        ("update", {"experiment_id": eid, "new_name": "ro"}),
        ("delete", {"experiment_id": eid}),
        ("set-experiment-tag", {"experiment_id": eid, "key": "ro", "value": "x"}),
    ):
        response = read_api.post(E + path, body)
        assert response.status_code == 403 and response.json()["error_code"] == "PERMISSION_DENIED"
    tracking_exp.refresh_from_db()
    assert tracking_exp.name == "tracked" and tracking_exp.lifecycle == "active"
    assert not ExperimentMetadata.objects.exists()
    assert list(Experiment.objects.filter(project=tenant.project).values_list("name", flat=True)) == [
        "tracked"
    ]


def test_no_token_is_401_and_other_tenant_gets_nothing(anon_api, intruder_api, tracking_exp, other_tenant):
    eid = str(tracking_exp.iid)
    assert anon_api.get(E + "get", {"experiment_id": eid}).status_code == 401
    assert anon_api.post(E + "create", {"name": "x"}).json()["error_code"] == "UNAUTHENTICATED"
    for response in (
        intruder_api.get(E + "get", {"experiment_id": eid}),
        intruder_api.get(E + "get-by-name", {"experiment_name": "tracked"}),
        intruder_api.post(E + "search", {}),
        intruder_api.post(E + "create", {"name": "intruder"}),
        intruder_api.post(E + "set-experiment-tag", {"experiment_id": eid, "key": "i", "value": "x"}),
        intruder_api.post(E + "delete", {"experiment_id": eid}),
    ):
        assert response.status_code == 404 and response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    assert not Experiment.objects.filter(name="intruder").exists()
    assert not ExperimentMetadata.objects.exists()
    tracking_exp.refresh_from_db()
    assert tracking_exp.lifecycle == "active"
