"""DELETE /api/v4/projects/:id/access_tokens/:token_id: revokes; the token stops working at once."""

import pytest

from projects.models import AccessToken
from tests.projects.helpers import auth, create, maintainer_token, tokens_url

pytestmark = pytest.mark.django_db


def test_revoke_answers_204_and_the_token_no_longer_authenticates(client, tenant):
    created = create(client, tenant).json()
    packages = f"/api/v4/projects/{tenant.project.pk}/packages"
    assert client.get(packages, **auth(created["token"])).status_code == 200
    response = client.delete(tokens_url(tenant.project, created["id"]), **auth(maintainer_token(tenant)))
    assert response.status_code == 204 and response.content == b""
    assert AccessToken.objects.get(pk=created["id"]).revoked_at is not None
    assert client.get(packages, **auth(created["token"])).status_code == 401
    # Revoking again is harmless.
    assert (
        client.delete(tokens_url(tenant.project, created["id"]), **auth(tenant.owner_token)).status_code
        == 204
    )


def test_developers_and_read_only_tokens_cannot_revoke(client, tenant):
    created = create(client, tenant).json()
    for token in (tenant.write_token, tenant.read_token, maintainer_token(tenant, scopes="read_api")):
        assert client.delete(tokens_url(tenant.project, created["id"]), **auth(token)).status_code == 403
    assert client.delete(tokens_url(tenant.project, created["id"])).status_code == 401
    assert AccessToken.objects.get(pk=created["id"]).revoked_at is None


def test_the_other_tenant_gets_nothing(client, tenant, other_tenant):
    ours = create(client, tenant).json()
    assert (
        client.delete(tokens_url(tenant.project, ours["id"]), **auth(other_tenant.owner_token)).status_code
        == 404
    )
    # Their own project URL does not reach our token either.
    assert (
        client.delete(
            tokens_url(other_tenant.project, ours["id"]), **auth(other_tenant.owner_token)
        ).status_code
        == 404
    )
    assert AccessToken.objects.get(pk=ours["id"]).revoked_at is None
