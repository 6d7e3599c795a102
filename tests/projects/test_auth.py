"""Token authentication and project authorisation rules (shared by every API)."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from projects.auth import Forbidden, NotAuthenticated, ProjectNotFound, api_context_for_request
from projects.models import AccessToken, Role
from projects.services import access_token_create, access_token_revoke, internal_id_next, token_digest

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]
rf = RequestFactory()


def request_with(token=None, header="bearer"):
    if token is None:
        return rf.get("/")
    if header == "bearer":
        return rf.get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    return rf.get("/", HTTP_PRIVATE_TOKEN=token)


def test_token_secret_is_not_stored(tenant):
    token = AccessToken.objects.get(digest=token_digest(tenant.write_token))
    assert tenant.write_token not in (token.digest, token.prefix)
    assert len(token.digest) == 64


@pytest.mark.parametrize("header", ["bearer", "private-token"])
def test_developer_token_can_write(tenant, header):
    ctx = api_context_for_request(
        request_with(tenant.write_token, header), str(tenant.project.pk), write=True
    )
    assert ctx.project == tenant.project and ctx.role == Role.DEVELOPER and ctx.can_write


def test_project_is_found_by_path(tenant):
    ctx = api_context_for_request(request_with(tenant.write_token), "acme%2Fvision")
    assert ctx.project == tenant.project


def test_missing_or_bad_token_is_401(tenant):
    with pytest.raises(NotAuthenticated):
        api_context_for_request(request_with(None), str(tenant.project.pk))
    with pytest.raises(NotAuthenticated):
        api_context_for_request(request_with("asy-nope"), str(tenant.project.pk))


def test_revoked_and_expired_tokens_are_401(tenant):
    token, secret = access_token_create(user=tenant.developer, name="x")
    access_token_revoke(token=token)
    with pytest.raises(NotAuthenticated):
        api_context_for_request(request_with(secret), str(tenant.project.pk))
    _, expired = access_token_create(
        user=tenant.developer, name="y", expires_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(NotAuthenticated):
        api_context_for_request(request_with(expired), str(tenant.project.pk))


def test_other_tenant_gets_404(tenant, other_tenant):
    with pytest.raises(ProjectNotFound):
        api_context_for_request(request_with(other_tenant.owner_token), str(tenant.project.pk))
    with pytest.raises(ProjectNotFound):
        api_context_for_request(request_with(tenant.write_token), "99999")


def test_read_only_token_cannot_write(tenant):
    assert (
        api_context_for_request(request_with(tenant.read_token), str(tenant.project.pk)).role == Role.REPORTER
    )
    with pytest.raises(Forbidden):
        api_context_for_request(request_with(tenant.read_token), str(tenant.project.pk), write=True)


def test_project_token_is_limited_to_its_project(tenant, other_tenant):
    _, secret = access_token_create(user=tenant.developer, name="p", project=other_tenant.project)
    with pytest.raises(ProjectNotFound):
        api_context_for_request(request_with(secret), str(tenant.project.pk))


def test_internal_ids_count_per_scope(db):
    assert [internal_id_next(scope="s", scope_id=1) for _ in range(3)] == [1, 2, 3]
    assert internal_id_next(scope="s", scope_id=2) == 1


def test_session_reads_but_never_writes_through_the_api(tenant):
    request = rf.get("/")
    request.user = tenant.developer
    assert api_context_for_request(request, str(tenant.project.pk)).role == Role.DEVELOPER
    post = rf.post("/")
    post.user = tenant.developer
    with pytest.raises(NotAuthenticated):
        api_context_for_request(post, str(tenant.project.pk), write=True)


def test_last_use_is_recorded_at_most_once_a_minute(tenant):
    token = AccessToken.objects.get(digest=token_digest(tenant.read_token))
    assert token.last_used_at is None
    api_context_for_request(request_with(tenant.read_token), str(tenant.project.pk))
    first = AccessToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    api_context_for_request(request_with(tenant.read_token), str(tenant.project.pk))
    assert AccessToken.objects.get(pk=token.pk).last_used_at == first  # within the minute: not written again
    AccessToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    api_context_for_request(request_with(tenant.read_token), str(tenant.project.pk))
    assert AccessToken.objects.get(pk=token.pk).last_used_at > first - timedelta(minutes=2)
    # A valid token that cannot see the project still counts as used.
    AccessToken.objects.filter(pk=token.pk).update(last_used_at=None)
    with pytest.raises(ProjectNotFound):
        api_context_for_request(request_with(tenant.read_token), "no-such-project")
    assert AccessToken.objects.get(pk=token.pk).last_used_at is not None
