"""/api/v4/openapi.json: drf-spectacular's document of Assay's own APIs, public, JSON, listing every endpoint."""

import pytest

pytestmark = pytest.mark.django_db

PREFIX = "/api/v4/projects/{project_ref}"


def test_the_document_is_public_json_openapi_3_1_with_every_endpoint_and_both_token_headers(client):
    response = client.get("/api/v4/openapi.json", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert {path: sorted(ops) for path, ops in document["paths"].items()} == {
        f"{PREFIX}/packages": ["get"],
        f"{PREFIX}/packages/{{package_id}}": ["delete", "get"],
        f"{PREFIX}/packages/{{package_id}}/package_files": ["get"],
        f"{PREFIX}/packages/{{package_id}}/package_files/{{file_id}}": ["delete"],
        f"{PREFIX}/packages/generic/{{package_name}}/{{package_version}}/{{file_path}}": ["get", "put"],
        f"{PREFIX}/access_tokens": ["get", "post"],
        f"{PREFIX}/access_tokens/{{token_id}}": ["delete", "get"],
        "/api/v4/personal_access_tokens": ["get"],
        "/api/v4/personal_access_tokens/{token_id}": ["delete", "get"],
        "/api/v4/user/personal_access_tokens": ["post"],
    }
    assert document["components"]["securitySchemes"] == {
        "bearer": {"type": "http", "scheme": "bearer"},
        "privateToken": {"type": "apiKey", "in": "header", "name": "PRIVATE-TOKEN"},
    }
    upload = document["paths"][
        f"{PREFIX}/packages/generic/{{package_name}}/{{package_version}}/{{file_path}}"
    ]["put"]
    assert upload["security"] == [{"bearer": []}, {"privateToken": []}]  # either header
    assert list(upload["requestBody"]["content"]) == ["application/octet-stream"]
    created = document["components"]["schemas"]["AccessTokenCreated"]
    assert (
        "token" in created["required"]
        and "token" not in document["components"]["schemas"]["AccessToken"]["properties"]
    )


def test_the_mlflow_api_and_pages_are_not_in_it(client):
    paths = client.get("/api/v4/openapi.json").json()["paths"]
    assert not [path for path in paths if "mlflow" in path or "/-/" in path]
