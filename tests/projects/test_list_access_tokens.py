"""GET /api/v4/projects/:id/access_tokens: the project's tokens only, newest first, state filter, paginated."""

import pytest

from projects.models import AccessToken, Role
from projects.services import access_token_revoke
from tests.projects.helpers import auth, create, maintainer_token, tokens_url

pytestmark = pytest.mark.django_db


def test_lists_project_tokens_newest_first_without_secrets_and_filters_by_state(
    client, tenant, django_assert_max_num_queries
):
    first = create(client, tenant, name="one").json()
    second = create(client, tenant, name="two", access_level=Role.DEVELOPER).json()
    access_token_revoke(token=AccessToken.objects.get(pk=first["id"]))
    with django_assert_max_num_queries(4):  # auth, count, page (access level by subquery): no per-token query
        response = client.get(tokens_url(tenant.project), **auth(tenant.owner_token))
    assert response.status_code == 200 and response["X-Total"] == "2"
    body = response.json()
    assert [(t["name"], t["access_level"], t["active"], t["revoked"]) for t in body] == [
        ("two", 30, True, False),
        ("one", 40, False, True),
    ]
    assert all("token" not in t for t in body)
    active = client.get(tokens_url(tenant.project), {"state": "active"}, **auth(tenant.owner_token)).json()
    inactive = client.get(
        tokens_url(tenant.project), {"state": "inactive"}, **auth(tenant.owner_token)
    ).json()
    assert [t["id"] for t in active] == [second["id"]] and [t["id"] for t in inactive] == [first["id"]]
    assert (
        client.get(tokens_url(tenant.project), {"state": "odd"}, **auth(tenant.owner_token)).status_code
        == 400
    )
    paged = client.get(tokens_url(tenant.project), {"per_page": 1, "page": 2}, **auth(tenant.owner_token))
    assert [t["name"] for t in paged.json()] == ["one"] and paged["X-Prev-Page"] == "1"


def test_personal_tokens_of_members_are_not_listed(client, tenant):
    # The tenant's owner/developer/reporter hold personal tokens: none is a project access token.
    assert client.get(tokens_url(tenant.project), **auth(tenant.owner_token)).json() == []


def test_maintainers_may_list_with_a_read_only_token_below_maintainer_may_not(client, tenant):
    create(client, tenant)
    assert (
        client.get(
            tokens_url(tenant.project), **auth(maintainer_token(tenant, scopes="read_api"))
        ).status_code
        == 200
    )
    for token in (tenant.write_token, tenant.read_token):
        response = client.get(tokens_url(tenant.project), **auth(token))
        assert response.status_code == 403 and "maintainer" in response.json()["message"]
    assert client.get(tokens_url(tenant.project)).status_code == 401


def test_the_other_tenant_gets_nothing(client, tenant, other_tenant):
    create(client, tenant)
    create(client, other_tenant)
    assert client.get(tokens_url(tenant.project), **auth(other_tenant.owner_token)).status_code == 404
    own = client.get(tokens_url(other_tenant.project), **auth(other_tenant.owner_token)).json()
    assert len(own) == 1 and AccessToken.objects.get(pk=own[0]["id"]).project == other_tenant.project
