"""GET /api/v4/projects/:id/access_tokens/:token_id."""

import pytest

from projects.models import AccessToken
from projects.services import access_token_revoke
from tests.projects.helpers import auth, create, tokens_url

pytestmark = pytest.mark.django_db


def test_get_answers_the_token_without_its_secret_also_when_revoked(client, tenant):
    created = create(client, tenant, name="ci").json()
    response = client.get(tokens_url(tenant.project, created["id"]), **auth(tenant.owner_token))
    assert response.status_code == 200
    assert response.json() == {k: v for k, v in created.items() if k != "token"}
    access_token_revoke(token=AccessToken.objects.get(pk=created["id"]))
    again = client.get(tokens_url(tenant.project, created["id"]), **auth(tenant.owner_token)).json()
    assert again["revoked"] is True and again["active"] is False


def test_unknown_ids_and_personal_tokens_are_404(client, tenant):
    personal = AccessToken.objects.filter(user=tenant.developer).first()
    for token_id in (personal.pk, 999999999, 999999999999999999):
        response = client.get(tokens_url(tenant.project, token_id), **auth(tenant.owner_token))
        assert response.status_code == 404 and response.json() == {"message": "404 Not Found"}


def test_below_maintainer_is_403(client, tenant):
    created = create(client, tenant).json()
    assert (
        client.get(tokens_url(tenant.project, created["id"]), **auth(tenant.write_token)).status_code == 403
    )


def test_the_other_tenant_gets_nothing(client, tenant, other_tenant):
    theirs = create(client, other_tenant).json()
    # Not through their own project URL, nor through ours.
    assert client.get(tokens_url(tenant.project, theirs["id"]), **auth(tenant.owner_token)).status_code == 404
    assert (
        client.get(tokens_url(other_tenant.project, theirs["id"]), **auth(tenant.owner_token)).status_code
        == 404
    )
