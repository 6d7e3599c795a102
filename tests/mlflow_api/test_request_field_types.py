"""A request's own string fields must be JSON strings, as mlflow server 3.17 checks them (its exact message);
inside list items (tags, params, datasets) numbers are still taken as text, as there."""

import pytest

pytestmark = pytest.mark.django_db

HINT = "See the API docs for more information about request parameters."


@pytest.mark.parametrize(
    ("path", "body", "field", "shown", "type_name"),
    [
        ("experiments/create", {"name": 123}, "name", "123", "int"),
        ("experiments/create", {"name": 1.5}, "name", "1.5", "float"),
        ("experiments/create", {"name": ["a"]}, "name", '["a"]', "list"),
        ("runs/update", {"run_id": 123}, "run_id", "123", "int"),
        ("runs/delete", {"run_id": 5}, "run_id", "5", "int"),
        ("runs/log-metric", {"run_id": 5, "key": "a", "value": 1, "timestamp": 1}, "run_id", "5", "int"),
        ("runs/create", {"experiment_id": 0}, "experiment_id", "0", "int"),
        ("registered-models/create", {"name": 5}, "name", "5", "int"),
    ],
)
def test_a_number_where_a_string_is_required_is_invalid_parameter_value(
    api, tracking_exp, path, body, field, shown, type_name
):
    response = api.post(f"api/2.0/mlflow/{path}", body)
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert response.json()["message"] == (
        f"Invalid value {shown} for parameter '{field}' supplied:  Hint: Value was of type '{type_name}'. {HINT}"
    )


def test_set_tag_with_a_bool_value_names_the_field(api, tracking_exp):
    run_id = api.post("api/2.0/mlflow/runs/create", {"experiment_id": str(tracking_exp.iid)}).json()["run"][
        "info"
    ]["run_id"]
    response = api.post("api/2.0/mlflow/runs/set-tag", {"run_id": run_id, "key": "k", "value": True})
    assert response.status_code == 400
    assert response.json()["message"].startswith("Invalid value true for parameter 'value' supplied:  Hint:")


def test_numbers_inside_list_items_are_taken_as_text(api, tracking_exp):
    run_id = api.post("api/2.0/mlflow/runs/create", {"experiment_id": str(tracking_exp.iid)}).json()["run"][
        "info"
    ]["run_id"]
    response = api.post(
        "api/2.0/mlflow/runs/log-batch", {"run_id": run_id, "tags": [{"key": "t", "value": 5}]}
    )
    assert response.status_code == 200
    tags = api.get("api/2.0/mlflow/runs/get", {"run_id": run_id}).json()["run"]["data"]["tags"]
    assert {"key": "t", "value": "5"} in tags
