"""The grammars used to disagree on quoting: `'a AND b'` was refused by logged-model search (it split on AND
first) and `'it''s'` by the registry's parser. One grammar now: both work on every search endpoint."""

import pytest

pytestmark = pytest.mark.django_db


def test_logged_model_search_keeps_and_inside_quotes(api, tracking_exp):
    iid = str(tracking_exp.iid)
    for name, note in (("m1", "a AND b"), ("m2", "it's")):
        body = {"experiment_id": iid, "name": name, "tags": [{"key": "note", "value": note}]}
        assert api.post("api/2.0/mlflow/logged-models", body).status_code == 200

    def names(text):
        response = api.post("api/2.0/mlflow/logged-models/search", {"experiment_ids": [iid], "filter": text})
        assert response.status_code == 200, response.content
        return sorted(m["info"]["name"] for m in response.json().get("models", []))

    assert names("tags.note = 'a AND b'") == ["m1"]
    assert names("tags.note = 'it''s' AND name = 'm2'") == ["m2"]
    assert names("tags.note != 'a AND b'") == ["m2"]


def test_registry_search_reads_doubled_quotes(api):
    for name in ("it's", "plain"):
        api.post(
            "api/2.0/mlflow/registered-models/create",
            {"name": name, "tags": [{"key": "k", "value": "x AND y"}]},
        )
    found = api.get("api/2.0/mlflow/registered-models/search", {"filter": "name = 'it''s'"})
    assert found.status_code == 200, found.content
    assert [m["name"] for m in found.json()["registered_models"]] == ["it's"]
    tagged = api.get(
        "api/2.0/mlflow/registered-models/search", {"filter": "tags.k = 'x AND y'", "order_by": "name"}
    )
    assert [m["name"] for m in tagged.json()["registered_models"]] == ["it's", "plain"]
    versions = api.get("api/2.0/mlflow/model-versions/search", {"filter": "name = 'it''s'"})
    assert versions.status_code == 200 and versions.json().get("model_versions", []) == []


def test_runs_search_keeps_and_inside_quotes(api, tracking_run):
    api.post(
        "api/2.0/mlflow/runs/set-tag", {"run_id": tracking_run.eid_hex, "key": "note", "value": "a AND b"}
    )
    body = {"experiment_ids": [str(tracking_run.experiment.iid)], "filter": "tags.note = 'a AND b'"}
    runs = api.post("api/2.0/mlflow/runs/search", body).json()["runs"]
    assert [r["info"]["run_id"] for r in runs] == [tracking_run.eid_hex]
