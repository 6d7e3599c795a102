"""A path under /api/v4/ that no endpoint matches is GitLab-style JSON 404, never Django's HTML page; the MLflow
API keeps its own ENDPOINT_NOT_FOUND."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/api/v4/projects/1/access_tokens/-5",
        "/api/v4/projects/1/packages/abc/package_files",
        "/api/v4/projects/1/nothing-here",
        "/api/v4/unknown",
    ],
)
def test_unmatched_api_paths_are_json_404(client, tenant, path):
    for method in ("get", "post", "delete"):
        response = getattr(client, method)(path, HTTP_PRIVATE_TOKEN=tenant.owner_token)
        assert response.status_code == 404 and response["Content-Type"] == "application/json", (method, path)
        assert response.json() == {"message": "404 Not Found"}


def test_the_mlflow_api_keeps_its_own_not_found(client, tenant):
    response = client.get(
        f"/api/v4/projects/{tenant.project.pk}/ml/mlflow/api/2.0/mlflow/nope",
        HTTP_AUTHORIZATION=f"Bearer {tenant.owner_token}",
    )
    assert response.status_code == 404 and response.json()["error_code"] == "ENDPOINT_NOT_FOUND"
