"""Creating a model version from a logged model (`model_id`) lists the version in the logged model's
`mlflow.modelVersions` tag, in mlflow server 3.17's format: `json.dumps([{"name": ..., "version": <int>}, ...])`."""

import json

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_model_versions_tag_lists_each_version_made_from_the_logged_model(mlflow_env, mlflow_client, api):
    experiment_id = mlflow_client.create_experiment("tagged")
    logged = mlflow_client.create_logged_model(experiment_id, name="m")
    mlflow_client.create_registered_model("reg")
    for _ in range(2):
        response = api.post(
            "api/2.0/mlflow/model-versions/create",
            {"name": "reg", "source": f"models:/{logged.model_id}", "model_id": logged.model_id},
        )
        assert response.status_code == 200, response.content
    tags = mlflow_client.get_logged_model(logged.model_id).tags
    assert tags["mlflow.modelVersions"] == '[{"name": "reg", "version": 1}, {"name": "reg", "version": 2}]'
    assert json.loads(tags["mlflow.modelVersions"])[1] == {"name": "reg", "version": 2}
