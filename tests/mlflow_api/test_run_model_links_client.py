"""MLflow 3 model links on a run: `outputs.model_outputs` (what the run logged) and `inputs.model_inputs`
(`runs/log-inputs` with `models`), in runs/get and runs/search, as mlflow server 3.17 answers them: `outputs` is
`{}` without outputs, the model inputs are only listed once there are some."""

import pytest
from mlflow.entities import LoggedModelInput, LoggedModelOutput

pytestmark = pytest.mark.django_db(transaction=True)


def test_run_lists_its_model_outputs_and_inputs_in_get_and_search(mlflow_env, mlflow_client, read_api):
    experiment_id = mlflow_client.create_experiment("links")
    run_id = mlflow_client.create_run(experiment_id).info.run_id
    bare_id = mlflow_client.create_run(experiment_id).info.run_id
    produced = mlflow_client.create_logged_model(experiment_id, name="produced", source_run_id=run_id)
    used = mlflow_client.create_logged_model(experiment_id, name="used")
    mlflow_client.log_outputs(run_id, [LoggedModelOutput(produced.model_id, 3)])
    mlflow_client.log_inputs(run_id, models=[LoggedModelInput(used.model_id)])

    run = mlflow_client.get_run(run_id)
    assert [(o.model_id, o.step) for o in run.outputs.model_outputs] == [(produced.model_id, 3)]
    assert [i.model_id for i in run.inputs.model_inputs] == [used.model_id]
    found = {r.info.run_id: r for r in mlflow_client.search_runs([experiment_id])}
    assert [(o.model_id, o.step) for o in found[run_id].outputs.model_outputs] == [(produced.model_id, 3)]
    assert [i.model_id for i in found[run_id].inputs.model_inputs] == [used.model_id]
    assert found[bare_id].outputs.model_outputs == [] and found[bare_id].inputs.model_inputs == []

    raw = read_api.get("api/2.0/mlflow/runs/get", {"run_id": bare_id}).json()["run"]
    assert raw["outputs"] == {} and "model_inputs" not in raw["inputs"]
    raw = read_api.get("api/2.0/mlflow/runs/get", {"run_id": run_id}).json()["run"]
    assert raw["outputs"] == {"model_outputs": [{"model_id": produced.model_id, "step": 3}]}
    assert raw["inputs"]["model_inputs"] == [{"model_id": used.model_id}]


def test_log_inputs_models_twice_and_unknown_ids(mlflow_env, mlflow_client):
    """The reference answers 200 for an unknown model id; Assay links only the project's logged models."""
    experiment_id = mlflow_client.create_experiment("links")
    run_id = mlflow_client.create_run(experiment_id).info.run_id
    used = mlflow_client.create_logged_model(experiment_id, name="used")
    mlflow_client.log_inputs(run_id, models=[LoggedModelInput(used.model_id)])
    mlflow_client.log_inputs(
        run_id, models=[LoggedModelInput(used.model_id), LoggedModelInput("m-nonexistent")]
    )
    assert [i.model_id for i in mlflow_client.get_run(run_id).inputs.model_inputs] == [used.model_id]
