"""Helpers for the project access token API tests: URLs, a maintainer in a tenant, one token made through the API."""

from projects.models import Role, TokenScope
from projects.services import access_token_create, membership_set, user_get_or_create


def tokens_url(project, token_id=None) -> str:
    base = f"/api/v4/projects/{project.pk}/access_tokens"
    return base if token_id is None else f"{base}/{token_id}"


def auth(token: str) -> dict:
    return {"HTTP_PRIVATE_TOKEN": token}


def maintainer_token(tenant, *, scopes=TokenScope.API) -> str:
    user = user_get_or_create(username=f"{tenant.project.path.replace('/', '-')}-maintainer")
    membership_set(project=tenant.project, user=user, role=Role.MAINTAINER)
    return access_token_create(user=user, name="m", scopes=scopes)[1]


def create(client, tenant, token=None, **body):
    body = {"name": "ci", "scopes": ["api"], **body}
    return client.post(
        tokens_url(tenant.project), body, content_type="application/json", **auth(token or tenant.owner_token)
    )
