"""Long GET URLs: mlflow server answers a 9 KB GET (gunicorn's 8190-byte request-line cap answered HTML, so it is
off); past ASSAY_MAX_URL_LENGTH the refusal is MLflow's error JSON on the MLflow API, the 400 page elsewhere."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_9_kb_get_is_answered(read_api, tracking_exp):
    response = read_api.get(
        "api/2.0/mlflow/experiments/get", {"experiment_id": str(tracking_exp.iid), "x": "a" * 9000}
    )
    assert response.status_code == 200
    assert response.json()["experiment"]["name"] == "tracked"


def test_a_url_over_the_limit_is_mlflow_json(read_api, tracking_exp, settings):
    settings.MAX_URL_LENGTH = 20_000
    response = read_api.get(
        "api/2.0/mlflow/experiments/get", {"experiment_id": str(tracking_exp.iid), "x": "a" * 20_000}
    )
    assert response.status_code == 400
    assert response.json() == {
        "error_code": "INVALID_PARAMETER_VALUE",
        "message": "The request URL is too long: at most 20000 bytes are accepted (ASSAY_MAX_URL_LENGTH).",
    }


def test_a_page_url_over_the_limit_is_the_400_page(client, settings):
    settings.MAX_URL_LENGTH = 100
    response = client.get("/", {"q": "a" * 200})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_gunicorn_leaves_the_request_line_to_django():
    import runpy
    from pathlib import Path

    conf = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))
    assert conf["limit_request_line"] == 0
