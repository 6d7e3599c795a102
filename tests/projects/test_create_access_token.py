"""POST /api/v4/projects/:id/access_tokens: GitLab's shape, the secret once, role and expiry rules."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from projects.models import AccessToken, Membership, Role
from tests.projects.helpers import auth, create, maintainer_token, tokens_url

pytestmark = pytest.mark.django_db

FIELDS = {
    "id",
    "name",
    "scopes",
    "access_level",
    "expires_at",
    "created_at",
    "last_used_at",
    "revoked",
    "active",
    "user_id",
}


def today() -> date:
    return timezone.now().astimezone(UTC).date()


def test_create_answers_201_with_the_secret_once_and_the_token_works_in_its_project_only(
    client, tenant, other_tenant
):
    response = create(client, tenant, name="deploy", scopes=["read_api"], access_level=Role.REPORTER)
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == FIELDS | {"token"}
    assert body["name"] == "deploy" and body["scopes"] == ["read_api"] and body["access_level"] == 20
    assert body["revoked"] is False and body["active"] is True and body["last_used_at"] is None
    assert body["expires_at"] == (today() + timedelta(days=30)).isoformat()
    token = AccessToken.objects.get(pk=body["id"])
    assert token.project == tenant.project and token.user_id == body["user_id"] and token.user != tenant.owner
    assert Membership.objects.get(project=tenant.project, user_id=body["user_id"]).role == Role.REPORTER
    assert token.expires_at == datetime.combine(today() + timedelta(days=30), datetime.min.time(), tzinfo=UTC)
    # The bot reads its project; it cannot write (read_api) and sees nothing of the other tenant.
    packages = f"/api/v4/projects/{tenant.project.pk}/packages"
    assert client.get(packages, **auth(body["token"])).status_code == 200
    assert (
        client.put(
            packages + "/generic/p/1/f", b"x", content_type="application/octet-stream", **auth(body["token"])
        ).status_code
        == 403
    )
    assert (
        client.get(f"/api/v4/projects/{other_tenant.project.pk}/packages", **auth(body["token"])).status_code
        == 404
    )
    # The secret is not shown again.
    assert (
        "token" not in client.get(tokens_url(tenant.project, body["id"]), **auth(tenant.owner_token)).json()
    )


def test_form_encoded_body_with_an_explicit_expiry_is_accepted(client, tenant):
    expires = (today() + timedelta(days=7)).isoformat()
    response = client.post(
        tokens_url(tenant.project),
        {"name": "f", "scopes": ["api"], "expires_at": expires},
        **auth(tenant.owner_token),
    )
    assert response.status_code == 201, response.content
    assert response.json()["expires_at"] == expires and response.json()["access_level"] == Role.MAINTAINER


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"name": ""}, "name"),
        ({"scopes": []}, "scopes"),
        ({"scopes": ["write_repository"]}, "scopes"),
        ({"access_level": 45}, "access_level"),
        ({"expires_at": "tomorrow"}, "expires_at"),
        ({"name": "a\x00b"}, "name"),
    ],
)
def test_invalid_input_is_400_with_a_message(client, tenant, body, fragment):
    response = create(client, tenant, **body)
    assert response.status_code == 400 and fragment in response.json()["message"]
    assert not AccessToken.objects.filter(project=tenant.project).exists()


def test_expiry_defaults_and_maximum_come_from_settings(client, tenant, settings):
    settings.ASSAY_ACCESS_TOKEN_DEFAULT_DAYS, settings.ASSAY_ACCESS_TOKEN_MAX_DAYS = 3, 10
    assert create(client, tenant).json()["expires_at"] == (today() + timedelta(days=3)).isoformat()
    at_max = create(client, tenant, expires_at=(today() + timedelta(days=10)).isoformat())
    assert at_max.status_code == 201
    for too_far_or_past in [
        today() + timedelta(days=11),
        today(),
        today() - timedelta(days=1),
        date(1, 1, 1),
    ]:
        refused = create(client, tenant, expires_at=too_far_or_past.isoformat())
        assert refused.status_code == 400 and "10 days" in refused.json()["message"], too_far_or_past


def test_nobody_mints_a_token_above_their_own_role_and_only_owners_mint_owner_tokens(client, tenant):
    maintainer = maintainer_token(tenant)
    assert create(client, tenant, maintainer, access_level=Role.MAINTAINER).status_code == 201
    above = create(client, tenant, maintainer, access_level=Role.OWNER)
    assert above.status_code == 400 and "your own role" in above.json()["message"]
    assert create(client, tenant, tenant.owner_token, access_level=Role.OWNER).status_code == 201


def test_developers_reporters_read_only_tokens_and_project_tokens_cannot_create(client, tenant):
    assert create(client, tenant, tenant.write_token).status_code == 403  # developer
    assert create(client, tenant, tenant.read_token).status_code == 403  # reporter
    read_only_maintainer = maintainer_token(tenant, scopes="read_api")
    assert create(client, tenant, read_only_maintainer).status_code == 403
    bot = create(client, tenant, access_level=Role.MAINTAINER).json()["token"]
    refused = create(client, tenant, bot)
    assert refused.status_code == 403 and "project access token" in refused.json()["message"]
    assert (
        client.post(
            tokens_url(tenant.project), {"name": "x", "scopes": ["api"]}, content_type="application/json"
        ).status_code
        == 401
    )
    assert AccessToken.objects.filter(project=tenant.project).count() == 1


def test_the_other_tenant_gets_nothing(client, tenant, other_tenant):
    response = create(client, tenant, other_tenant.owner_token)
    assert response.status_code == 404 and response.json() == {"message": "404 Project Not Found"}
    assert not AccessToken.objects.filter(project=tenant.project).exists()
