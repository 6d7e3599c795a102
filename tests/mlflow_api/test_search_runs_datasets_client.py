"""runs/search with `datasets.name`, `datasets.digest` and `datasets.context`, through the real mlflow client.

EXPECTED is what the reference `mlflow server` (3.17.2, SQLite store, from this venv) answered for the same
calls (docs/tracking.md, "Dataset filters"); `dataset_search_answers` is shared with that comparison run.
"""

import pytest
from mlflow.entities import Dataset, DatasetInput, InputTag
from mlflow.exceptions import MlflowException

pytestmark = [pytest.mark.django_db(transaction=True)]

CONTEXT = "mlflow.data.context"
FILTERS = [
    "datasets.name = 'mnist'",
    "dataset.name != 'mnist'",
    "datasets.name LIKE 'mn%'",
    "datasets.name ILIKE 'MN%'",
    "datasets.name IN ('cifar', 'imagenet')",
    "datasets.name NOT IN ('mnist')",
    "datasets.digest = 'd2'",
    "datasets.context = 'training'",
    "datasets.context != 'training'",
    "datasets.context IN ('eval')",
    "datasets.name = 'mnist' AND datasets.context = 'eval'",
    "datasets.name = 'mnist' AND params.lr = '0.1'",
    "datasets.name = '</script>\"><img src=x onerror=alert(1)>'",
]
EXPECTED = {
    "datasets.name = 'mnist'": ["a", "b"],
    "dataset.name != 'mnist'": ["b", "c", "x"],
    "datasets.name LIKE 'mn%'": ["a", "b"],
    "datasets.name ILIKE 'MN%'": ["a", "b"],
    "datasets.name IN ('cifar', 'imagenet')": ["b", "c"],
    "datasets.name NOT IN ('mnist')": ["b", "c", "x"],
    "datasets.digest = 'd2'": ["b"],
    "datasets.context = 'training'": ["a", "b"],
    "datasets.context != 'training'": ["c"],
    "datasets.context IN ('eval')": ["c"],
    "datasets.name = 'mnist' AND datasets.context = 'eval'": [],
    "datasets.name = 'mnist' AND params.lr = '0.1'": ["a"],
    "datasets.name = '</script>\"><img src=x onerror=alert(1)>'": ["x"],
}
REFUSED = ["datasets.source = 'x'", "datasets.name > 'a'", "datasets.name IS NULL", "datasets.name = 3"]


def _input(name, digest, context=None):
    tags = [InputTag(CONTEXT, context)] if context else []
    return DatasetInput(Dataset(name=name, digest=digest, source_type="local", source="s"), tags)


def dataset_search_answers(client) -> tuple[dict, list]:
    """Log five runs with dataset inputs, then each filter's matching run names (sorted) and the refusals."""
    exp = client.create_experiment("datasets-search")
    runs = {
        "a": [_input("mnist", "d1", "training")],
        "b": [_input("mnist", "d2", "training"), _input("cifar", "d3")],
        "c": [_input("imagenet", "d4", "eval")],
        "x": [_input('</script>"><img src=x onerror=alert(1)>', "d5")],
        "none": [],
    }
    for name, inputs in runs.items():
        run = client.create_run(exp, run_name=name)
        client.log_param(run.info.run_id, "lr", "0.1" if name == "a" else "0.2")
        if inputs:
            client.log_inputs(run.info.run_id, datasets=inputs)
    answers = {
        f: sorted(r.info.run_name for r in client.search_runs([exp], filter_string=f)) for f in FILTERS
    }
    refused = []
    for f in REFUSED:
        try:
            client.search_runs([exp], filter_string=f)
        except MlflowException as exc:
            refused.append((f, exc.error_code))
    return answers, refused


def test_dataset_filters_answer_as_the_reference_server(mlflow_client):
    answers, refused = dataset_search_answers(mlflow_client)
    assert answers == EXPECTED
    assert [code for _, code in refused] == ["INVALID_PARAMETER_VALUE"] * len(REFUSED)
