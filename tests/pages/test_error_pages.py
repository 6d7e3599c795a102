"""403, 404 and 500 are styled like the rest of the site; the APIs keep answering JSON."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.views import defaults

from tests.pages.conftest import signed_in

pytestmark = pytest.mark.django_db

STYLED = '<link rel="stylesheet" href="/static/assay.css">'


def test_unknown_page_is_the_styled_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.content.decode()
    assert STYLED in html and "Page not found" in html and 'class="topbar"' in html


def test_non_member_404_is_styled_and_shows_who_is_signed_in(tenant, other_tenant):
    response = signed_in(other_tenant.owner).get(f"/{tenant.project.path}/-/ml/experiments/")
    assert response.status_code == 404
    html = response.content.decode()
    assert STYLED in html and other_tenant.owner.username in html


def test_404_escapes_the_path(client):
    response = client.get('/x"><img src=x onerror=alert(1)>/-/ml/models/')
    assert response.status_code == 404
    assert b"<img" not in response.content


def test_403_is_styled():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    response = defaults.permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    html = response.content.decode()
    assert STYLED in html and "permission" in html


def test_500_is_styled_without_a_request_context():
    response = defaults.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert STYLED in html and "Something went wrong" in html


@pytest.mark.parametrize(
    "path",
    ["/api/v4/projects/1/nothing-here", "/api/v4/projects/no%2Fsuch/packages/generic/x/1/f"],
)
def test_api_paths_still_answer_json(client, path):
    response = client.get(path)
    assert response.status_code in (401, 404)
    assert response["Content-Type"].startswith("application/json")


def test_mlflow_api_unknown_endpoint_stays_mlflow_json(client, tenant):
    response = client.get(f"/api/v4/projects/{tenant.project.pk}/ml/mlflow/2.0/mlflow/nope")
    assert response.status_code == 404
    assert response.json()["error_code"] == "ENDPOINT_NOT_FOUND"
