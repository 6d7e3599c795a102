"""The generic packages API on Django REST framework answers on the wire as before the port (and as GitLab):
405 before authentication, JSON whatever the Accept header, no WWW-Authenticate, GitLab pagination headers,
and no 500 for an absurd page number."""

import pytest

from tests.packages_registry.helpers import artifacts_dir  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("artifacts_dir")]


def url(project, rest=""):
    return f"/api/v4/projects/{project.pk}/packages{rest}"


def test_an_unsupported_method_is_405_json_before_any_authentication(client, tenant):
    for method, path in [
        ("post", "/generic/p/1/f"),
        ("put", ""),
        ("options", "/generic/p/1/f"),
        ("head", ""),
    ]:
        response = getattr(client, method)(url(tenant.project, path))
        assert response.status_code == 405, (method, path)
        if method != "head":
            assert response.json() == {"message": "405 Method Not Allowed"}


def test_errors_are_gitlab_json_without_www_authenticate(client, tenant, other_tenant):
    anonymous = client.get(url(tenant.project))
    assert anonymous.status_code == 401 and "WWW-Authenticate" not in anonymous
    assert anonymous.json() == {"message": "401 Unauthorized: a valid access token is required"}
    hidden = client.get(url(tenant.project), HTTP_PRIVATE_TOKEN=other_tenant.owner_token)
    assert hidden.status_code == 404 and hidden.json() == {"message": "404 Project Not Found"}
    read_only = client.put(
        url(tenant.project, "/generic/p/1/f"),
        b"x",
        content_type="application/octet-stream",
        HTTP_PRIVATE_TOKEN=tenant.read_token,
    )
    assert read_only.status_code == 403
    assert read_only.json() == {"message": "403 Forbidden: this token has the read_api scope only"}


def test_json_is_answered_whatever_the_accept_header(client, tenant):
    for accept in ["application/xml", "text/html", "image/png"]:
        response = client.get(url(tenant.project), HTTP_ACCEPT=accept, HTTP_PRIVATE_TOKEN=tenant.read_token)
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        assert response.json() == [] and "Vary" not in response and "Allow" not in response


def test_an_upload_answers_201_with_the_file_and_a_download_is_an_attachment(client, tenant):
    put = client.put(
        url(tenant.project, "/generic/p/1.0/a/b.csv"),
        b"x,y\n1,2\n",
        content_type="text/csv",
        HTTP_AUTHORIZATION=f"Bearer {tenant.write_token}",
    )
    assert put.status_code == 201
    body = put.json()
    assert body["message"] == "201 Created" and body["package_file"]["content_type"] == "text/csv"
    assert set(body["package_file"]) == {
        "id",
        "package_id",
        "created_at",
        "file_name",
        "path",
        "size",
        "content_type",
        "file_md5",
        "file_sha256",
        "ingestion_status",
        "ingestion_error",
    }
    assert body["package_file"]["created_at"].endswith("Z")
    got = client.get(url(tenant.project, "/generic/p/1.0/a/b.csv"), HTTP_PRIVATE_TOKEN=tenant.read_token)
    assert got.status_code == 200 and b"".join(got.streaming_content) == b"x,y\n1,2\n"
    assert (
        got["Content-Disposition"] == 'attachment; filename="b.csv"'
        and got["X-Content-Type-Options"] == "nosniff"
    )
    head = client.head(url(tenant.project, "/generic/p/1.0/a/b.csv"), HTTP_PRIVATE_TOKEN=tenant.read_token)
    assert head.status_code == 200 and head["Content-Length"] == "8"
    listed = client.get(url(tenant.project), HTTP_PRIVATE_TOKEN=tenant.read_token).json()
    assert set(listed[0]) == {
        "id",
        "name",
        "version",
        "package_type",
        "status",
        "created_at",
        "file_count",
        "size",
        "_links",
    }


@pytest.mark.parametrize("page", ["1000", "400000000000000000"])
def test_a_page_far_past_the_end_is_an_empty_page_not_a_500(client, tenant, page):
    """Past the end (the row offset still in int64) is an empty page; beyond int64 is a 400
    (tests/packages_registry/test_hostile_input.py)."""
    client.put(
        url(tenant.project, "/generic/p/1/f"),
        b"x",
        content_type="application/octet-stream",
        HTTP_PRIVATE_TOKEN=tenant.write_token,
    )
    response = client.get(url(tenant.project), {"page": page}, HTTP_PRIVATE_TOKEN=tenant.read_token)
    assert response.status_code == 200 and response.json() == []
    assert response["X-Total"] == "1" and response["X-Next-Page"] == ""
    assert (
        client.get(url(tenant.project), {"page": "x"}, HTTP_PRIVATE_TOKEN=tenant.read_token).status_code
        == 400
    )


def test_an_upload_is_streamed_not_read_whole_by_the_framework(client, tenant, settings):
    # request.body (or any DRF parser) would refuse a body above DATA_UPLOAD_MAX_MEMORY_SIZE: the service reads
    # the stream itself, so the only limit is PACKAGE_MAX_FILE_SIZE.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    data = bytes(range(256)) * 40
    response = client.put(
        url(tenant.project, "/generic/big/1/blob.bin"),
        data,
        content_type="application/octet-stream",
        HTTP_PRIVATE_TOKEN=tenant.write_token,
    )
    assert response.status_code == 201 and response.json()["package_file"]["size"] == len(data)
