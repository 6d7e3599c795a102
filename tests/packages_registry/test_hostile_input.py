"""Hostile input on the generic packages API gets GitLab's `{"message": "400 Bad request - …"}`, never a 500:
integers outside int64 in ?page=/?per_page=, NUL bytes in names and file paths; nothing is written."""

import json

import pytest
from django.core.exceptions import RequestDataTooBig
from django.test import RequestFactory

from packages_registry.models import Package, PackageFile

pytestmark = pytest.mark.usefixtures("artifacts_dir")

HUGE = "100000000000000000000"


def url(project, rest=""):
    return f"/api/v4/projects/{project.pk}/packages{rest}"


def assert_gitlab_400(response):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert list(body) == ["message"] and body["message"].startswith("400 Bad request - ")


@pytest.mark.parametrize(
    "query",
    [
        {"page": HUGE},
        {"per_page": HUGE},
        {"page": "-" + HUGE},
        {"page": str(2**63 - 1)},  # in int64, but the row offset it asks for is not
        {"page": "9" * 5000},
    ],
    ids=["page-1e20", "per-page-1e20", "page-minus-1e20", "page-int64-max", "page-5000-digits"],
)
def test_out_of_range_page_is_a_gitlab_400(client, tenant, query):
    response = client.get(url(tenant.project), query, HTTP_PRIVATE_TOKEN=tenant.read_token)
    assert_gitlab_400(response)


def test_out_of_range_page_on_package_files_is_a_gitlab_400(client, tenant):
    package = Package.objects.create(project=tenant.project, name="p", version="1")
    response = client.get(
        url(tenant.project, f"/{package.pk}/package_files"),
        {"page": HUGE},
        HTTP_PRIVATE_TOKEN=tenant.read_token,
    )
    assert_gitlab_400(response)


def test_ordinary_pages_still_work(client, tenant):
    response = client.get(
        url(tenant.project), {"page": "2", "per_page": "1000"}, HTTP_PRIVATE_TOKEN=tenant.read_token
    )
    assert response.status_code == 200 and response["X-Per-Page"] == "100"


@pytest.mark.parametrize(
    ("method", "rest"),
    [
        ("put", "/generic/pkg/1.0/a%00b.txt"),
        ("get", "/generic/pkg/1.0/a%00b.txt"),
        ("put", "/generic/p%00kg/1.0/a.txt"),
        ("get", "/generic/pkg/1%000/a.txt"),
    ],
    ids=["put-file-path", "get-file-path", "put-package-name", "get-version"],
)
def test_nul_in_a_generic_package_path_is_a_gitlab_400(client, tenant, method, rest):
    if method == "put":
        response = client.put(
            url(tenant.project, rest), b"data", content_type="application/octet-stream",
            HTTP_PRIVATE_TOKEN=tenant.write_token,
        )  # fmt: skip
    else:
        response = client.get(url(tenant.project, rest), HTTP_PRIVATE_TOKEN=tenant.read_token)
    assert_gitlab_400(response)
    assert not Package.objects.exists() and not PackageFile.objects.exists()


def test_nul_in_the_package_list_query_is_a_gitlab_400(client, tenant):
    response = client.get(
        url(tenant.project), {"package_name": "a\x00b"}, HTTP_PRIVATE_TOKEN=tenant.read_token
    )
    assert_gitlab_400(response)


def test_body_too_big_on_the_packages_api_is_a_gitlab_400(tenant):
    request = RequestFactory().delete(url(tenant.project, "/1"))
    from config.errors import bad_request

    response = bad_request(
        request, RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
    )
    assert_gitlab_400(response)
    assert "ASSAY_MAX_REQUEST_BODY" in json.loads(response.content)["message"]
