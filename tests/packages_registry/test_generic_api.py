"""Generic packages API: upload, download (Range), list, files, delete, and every refusal. Responses are
validated against the published OpenAPI schema. Transactional: ingestion and storage clean-up run on commit.
"""

import hashlib

import jsonschema
import pytest

from packages_registry.models import IngestionStatus, Package, PackageFile
from tests.packages_registry.helpers import stored_objects

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("artifacts_dir")]


@pytest.fixture
def schema(client):
    response = client.get("/api/v4/openapi.json")
    assert response.status_code == 200
    return response.json()


def conforms(schema, instance, name):
    jsonschema.validate(
        instance, {**schema, "$ref": f"#/components/schemas/{name}"}, cls=jsonschema.Draft202012Validator
    )


def conforms_list(schema, instance, name):
    jsonschema.validate(
        instance,
        {**schema, "type": "array", "items": {"$ref": f"#/components/schemas/{name}"}},
        cls=jsonschema.Draft202012Validator,
    )


def url(project, rest=""):
    return f"/api/v4/projects/{project.pk}/packages{rest}"


def put(client, project, path, data, token, **extra):
    return client.put(
        url(project, f"/generic/{path}"),
        data,
        content_type="application/octet-stream",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **extra,
    )


def auth(token):
    return {"HTTP_PRIVATE_TOKEN": token}


@pytest.mark.smoke
def test_upload_download_list_and_delete_round_trip(client, tenant, schema, artifacts_dir):
    data = bytes(range(256)) * 40
    response = put(client, tenant.project, "mypkg/1.0.0/dir/sub/data.bin", data, tenant.write_token)
    assert response.status_code == 201, response.content
    body = response.json()
    conforms(schema, body, "UploadResult")
    assert body["package_file"]["path"] == "dir/sub/data.bin" and body["package_file"]["size"] == len(data)
    stored = PackageFile.objects.get(pk=body["package_file"]["id"])
    # No broker in tests: ingestion ran right after the upload.
    assert stored.ingestion_status == IngestionStatus.READY
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.md5 == hashlib.md5(data).hexdigest()

    got = client.get(url(tenant.project, "/generic/mypkg/1.0.0/dir/sub/data.bin"), **auth(tenant.read_token))
    assert got.status_code == 200 and b"".join(got.streaming_content) == data
    assert got["Content-Length"] == str(len(data)) and got["Accept-Ranges"] == "bytes"
    assert got["Content-Disposition"] == 'attachment; filename="data.bin"'

    part = client.get(
        url(tenant.project, "/generic/mypkg/1.0.0/dir/sub/data.bin"),
        HTTP_RANGE="bytes=10-19",
        **auth(tenant.read_token),
    )
    assert part.status_code == 206 and b"".join(part.streaming_content) == data[10:20]
    assert part["Content-Range"] == f"bytes 10-19/{len(data)}" and part["Content-Length"] == "10"
    tail = client.get(
        url(tenant.project, "/generic/mypkg/1.0.0/dir/sub/data.bin"),
        HTTP_RANGE="bytes=-5",
        **auth(tenant.read_token),
    )
    assert b"".join(tail.streaming_content) == data[-5:]
    beyond = client.get(
        url(tenant.project, "/generic/mypkg/1.0.0/dir/sub/data.bin"),
        HTTP_RANGE=f"bytes={len(data)}-",
        **auth(tenant.read_token),
    )
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(data)}"

    put(client, tenant.project, "mypkg/1.0.0/readme.txt", b"hi\n", tenant.write_token)
    listed = client.get(url(tenant.project), {"package_type": "generic"}, **auth(tenant.read_token))
    assert listed.status_code == 200
    conforms_list(schema, listed.json(), "Package")
    assert [(p["name"], p["version"], p["file_count"], p["size"]) for p in listed.json()] == [
        ("mypkg", "1.0.0", 2, len(data) + 3)
    ]
    package_id = listed.json()[0]["id"]
    files = client.get(url(tenant.project, f"/{package_id}/package_files"), **auth(tenant.read_token))
    conforms_list(schema, files.json(), "PackageFile")
    assert [f["path"] for f in files.json()] == ["dir/sub/data.bin", "readme.txt"]
    conforms(
        schema, client.get(url(tenant.project, f"/{package_id}"), **auth(tenant.read_token)).json(), "Package"
    )

    file_id = files.json()[1]["id"]
    assert (
        client.delete(
            url(tenant.project, f"/{package_id}/package_files/{file_id}"), **auth(tenant.owner_token)
        ).status_code
        == 204
    )
    assert len(stored_objects(artifacts_dir)) == 1
    assert client.delete(url(tenant.project, f"/{package_id}"), **auth(tenant.owner_token)).status_code == 204
    assert not Package.objects.filter(pk=package_id).exists()
    assert stored_objects(artifacts_dir) == []


@pytest.mark.smoke
def test_replacing_a_file_swaps_the_object_and_removes_the_old_one(client, tenant, artifacts_dir):
    put(client, tenant.project, "p/1/a.txt", b"old", tenant.write_token)
    put(client, tenant.project, "p/1/a.txt", b"newer", tenant.write_token)
    assert PackageFile.objects.get(path="a.txt").size == 5
    assert len(stored_objects(artifacts_dir)) == 1
    got = client.get(url(tenant.project, "/generic/p/1/a.txt"), **auth(tenant.read_token))
    assert b"".join(got.streaming_content) == b"newer"


@pytest.mark.smoke
@pytest.mark.parametrize(
    "path",
    [
        "pkg/1.0/../etc/passwd",
        "pkg/1.0/a/%2e%2e/b",
        "pkg/1.0/a%5Cb.txt",
        "pkg/1.0/a%00b",
        "pkg/1.0//abs.txt",
        "bad%20name/1.0/f.txt",
        "pkg/1..0/f.txt",
        "pk..g/1.0/f.txt",
        "pkg/1.0/./f.txt",
    ],
)
def test_invalid_names_versions_and_paths_are_refused(client, tenant, path, artifacts_dir):
    response = put(client, tenant.project, path, b"x", tenant.write_token)
    assert response.status_code == 400, (path, response.content)
    assert "message" in response.json()
    assert not PackageFile.objects.exists() and stored_objects(artifacts_dir) == []


def test_too_large_file_is_refused_with_413_and_leaves_nothing(client, tenant, settings, artifacts_dir):
    settings.PACKAGE_MAX_FILE_SIZE = 1000
    response = put(client, tenant.project, "pkg/1.0/big.bin", b"x" * 1001, tenant.write_token)
    assert response.status_code == 413 and "too large" in response.json()["message"]
    # A body longer than its (lying) Content-Length is cut there; a short declared length still counts bytes.
    assert not PackageFile.objects.exists() and stored_objects(artifacts_dir) == []
    assert put(client, tenant.project, "pkg/1.0/ok.bin", b"x" * 1000, tenant.write_token).status_code == 201


def test_refusals_by_token_role_and_project(client, tenant, other_tenant):
    project = tenant.project
    assert put(client, project, "p/1/f", b"x", "not-a-token").status_code == 401
    assert client.put(url(project, "/generic/p/1/f"), b"x").status_code == 401
    assert put(client, project, "p/1/f", b"x", other_tenant.write_token).status_code == 404
    assert put(client, project, "p/1/f", b"x", tenant.read_token).status_code == 403
    assert put(client, project, "p/1/f", b"x", tenant.write_token).status_code == 201
    package = Package.objects.get(project=project)
    assert client.get(url(project), **auth(other_tenant.owner_token)).status_code == 404
    assert client.get(url(project, "/generic/p/1/f"), **auth(other_tenant.owner_token)).status_code == 404
    assert (
        client.get(url(other_tenant.project, "/generic/p/1/f"), **auth(other_tenant.owner_token)).status_code
        == 404
    )
    assert (
        client.get(
            url(other_tenant.project, f"/{package.pk}/package_files"), **auth(other_tenant.owner_token)
        ).status_code
        == 404
    )
    # Deleting needs a maintainer: the developer is refused.
    denied = client.delete(url(project, f"/{package.pk}"), **auth(tenant.write_token))
    assert denied.status_code == 403 and "maintainer" in denied.json()["message"]
    assert client.get(url(project, "/generic/p/1/missing"), **auth(tenant.read_token)).status_code == 404
    assert client.get(url(project, "/generic/nope/1/f"), **auth(tenant.read_token)).json()["message"] == (
        "404 Package Not Found"
    )


def test_list_is_paginated_and_filtered(client, tenant, assert_query_count):
    for i in range(5):
        put(client, tenant.project, f"alpha{i}/1.0/f.txt", b"x", tenant.write_token)
    put(client, tenant.project, "beta/1.0/f.txt", b"x", tenant.write_token)
    with assert_query_count("generic_packages_list"):
        page = client.get(url(tenant.project, "/"), {"per_page": 2, "page": 2}, **auth(tenant.read_token))
    assert page["X-Total"] == "6" and page["X-Total-Pages"] == "3" and page["X-Next-Page"] == "3"
    assert len(page.json()) == 2
    filtered = client.get(url(tenant.project), {"package_name": "beta"}, **auth(tenant.read_token))
    assert [p["name"] for p in filtered.json()] == ["beta"]
    assert (
        client.get(url(tenant.project), {"package_type": "npm"}, **auth(tenant.read_token)).status_code == 400
    )


def test_a_body_cut_short_by_a_dropped_client_is_not_stored(live_server, tenant, artifacts_dir):
    import socket
    from urllib.parse import urlsplit

    target = urlsplit(live_server.url)
    with socket.create_connection((target.hostname, target.port), timeout=30) as conn:
        conn.sendall(
            (
                f"PUT /api/v4/projects/{tenant.project.pk}/packages/generic/pkg/1.0/cut.bin HTTP/1.1\r\n"
                f"Host: {target.netloc}\r\nAuthorization: Bearer {tenant.write_token}\r\n"
                "Content-Type: application/octet-stream\r\nContent-Length: 5000\r\n\r\n"
            ).encode()
            + b"y" * 1200
        )
        conn.shutdown(socket.SHUT_WR)  # the client goes away after 1,200 of 5,000 bytes
        reply = b""
        while chunk := conn.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 400") and b"Incomplete upload: received 1200 of 5000 bytes" in reply
    assert not PackageFile.objects.filter(path="cut.bin").exists() and stored_objects(artifacts_dir) == []


def test_deleting_a_logged_models_package_deletes_the_model_with_it(client, tenant, artifacts_dir):
    """The package is a logged model's storage: deleting it through the packages API took the model with it in
    intent, but LoggedModel.package was PROTECT, so the request failed with a 500 (and the project could not be
    deleted at all). A model version made from it keeps its row (package SET_NULL)."""
    from packages_registry.models import LoggedModel
    from tests.model_registry.factories import make_logged_model
    from tests.pages.conftest import seed_experiment

    _, cands = seed_experiment(tenant.project, candidates=1)
    logged = make_logged_model(cands[0])
    package_id = logged.package_id
    keys = list(PackageFile.objects.filter(package_id=package_id).values_list("storage_key", flat=True))
    assert keys and all(k in stored_objects(artifacts_dir) for k in keys)
    response = client.delete(url(tenant.project, f"/{package_id}"), **auth(tenant.owner_token))
    assert response.status_code == 204, response.content
    assert (
        not LoggedModel.objects.filter(pk=logged.pk).exists()
        and not Package.objects.filter(pk=package_id).exists()
    )
    assert not set(keys) & set(stored_objects(artifacts_dir))
    tenant.project.delete()  # nothing protects a project's rows any more
