"""/api/v4/personal_access_tokens and /api/v4/user/personal_access_tokens (GitLab's shapes): the caller's own
tokens only."""

from datetime import UTC, datetime, timedelta

import pytest

from projects.models import AccessToken, Role, TokenScope
from projects.services import access_token_create, project_access_token_create

pytestmark = pytest.mark.django_db

LIST = "/api/v4/personal_access_tokens"
CREATE = "/api/v4/user/personal_access_tokens"


def auth(secret):
    return {"HTTP_PRIVATE_TOKEN": secret}


def test_no_token_is_401(client):
    for response in (client.get(LIST), client.get(f"{LIST}/self"), client.post(CREATE, {})):
        assert response.status_code == 401 and "message" in response.json()


def test_list_is_the_callers_personal_tokens(client, tenant, other_tenant):
    access_token_create(user=other_tenant.developer, name="not-mine")
    response = client.get(LIST, **auth(tenant.write_token))
    assert response.status_code == 200 and response["X-Total"] == "1"
    (row,) = response.json()
    assert row["name"] == "w" and row["scopes"] == ["api"] and row["active"] is True
    assert "token" not in row and "access_level" not in row


def test_self_is_the_calling_token(client, tenant):
    response = client.get(f"{LIST}/self", **auth(tenant.read_token))
    assert response.json()["name"] == "r" and response.json()["scopes"] == ["read_api"]


def test_another_users_token_is_404(client, tenant, other_tenant):
    theirs, _ = access_token_create(user=other_tenant.owner, name="theirs")
    assert client.get(f"{LIST}/{theirs.pk}", **auth(tenant.owner_token)).status_code == 404
    assert client.delete(f"{LIST}/{theirs.pk}", **auth(tenant.owner_token)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_create_shows_the_secret_once_and_it_works(client, tenant):
    response = client.post(
        CREATE,
        {"name": "nb", "scopes": ["read_api"]},
        content_type="application/json",
        **auth(tenant.write_token),
    )
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("asy-") and body["scopes"] == ["read_api"]
    assert body["expires_at"] == (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    again = client.get(f"{LIST}/self", **auth(body["token"])).json()
    assert again["id"] == body["id"] and "token" not in again


def test_create_past_the_maximum_is_400(client, tenant):
    day = (datetime.now(UTC).date() + timedelta(days=366)).isoformat()
    response = client.post(
        CREATE,
        {"name": "x", "scopes": ["api"], "expires_at": day},
        content_type="application/json",
        **auth(tenant.write_token),
    )
    assert response.status_code == 400 and "365" in response.json()["message"]


def test_read_api_token_cannot_write(client, tenant):
    response = client.post(
        CREATE, {"name": "x", "scopes": ["api"]}, content_type="application/json", **auth(tenant.read_token)
    )
    assert response.status_code == 403
    assert client.delete(f"{LIST}/self", **auth(tenant.read_token)).status_code == 403


def test_a_project_access_token_cannot_create_tokens_but_can_revoke_itself(client, tenant):
    token, secret = project_access_token_create(
        project=tenant.project, creator_role=Role.OWNER, name="bot", scopes=["api"]
    )
    response = client.post(
        CREATE, {"name": "x", "scopes": ["api"]}, content_type="application/json", **auth(secret)
    )
    assert response.status_code == 403
    assert client.get(LIST, **auth(secret)).json() == []  # a bot has no personal tokens
    assert client.delete(f"{LIST}/self", **auth(secret)).status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_revoke_own_token_by_id(client, tenant):
    token, secret = access_token_create(user=tenant.developer, name="old", scopes=TokenScope.API)
    assert client.delete(f"{LIST}/{token.pk}", **auth(tenant.write_token)).status_code == 204
    assert client.get(f"{LIST}/self", **auth(secret)).status_code == 401


def test_a_session_reads_but_never_writes(client, tenant):
    client.force_login(tenant.developer)
    assert client.get(LIST).status_code == 200
    assert (
        client.post(CREATE, {"name": "x", "scopes": ["api"]}, content_type="application/json").status_code
        == 401
    )
    token = AccessToken.objects.get(user=tenant.developer)
    assert client.delete(f"{LIST}/{token.pk}").status_code == 401
