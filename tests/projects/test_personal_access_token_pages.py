"""/-/user_settings/personal_access_tokens: any signed-in user creates (shown once), lists and revokes their own
personal access tokens, and never sees or revokes anyone else's."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from projects.models import AccessToken, Role
from projects.selectors import access_for_token
from projects.services import access_token_create, project_access_token_create

pytestmark = pytest.mark.django_db

URL = "/-/user_settings/personal_access_tokens"
HOSTILE = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def create(client, **fields):
    return client.post(URL, {"name": "laptop", "scope": "api", "expires_at": "", **fields})


def test_signed_out_goes_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"] == f"/users/sign_in?next={URL}"
    assert create(client).status_code == 302
    assert not AccessToken.objects.filter(name="laptop").exists()


def test_a_user_sees_only_their_own_personal_tokens(tenant, other_tenant, assert_query_count):
    access_token_create(user=tenant.reporter, name="mine-2")
    access_token_create(user=other_tenant.reporter, name="someone-elses")
    project_access_token_create(
        project=tenant.project, creator_role=Role.OWNER, name="a-project-one", scopes=["api"]
    )
    client = signed_in(tenant.reporter)
    with assert_query_count("personal_access_tokens_page"):
        response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "mine-2" in html and ">r <" in html  # the fixture's token "r" too
    assert "someone-elses" not in html and "a-project-one" not in html


@pytest.mark.parametrize("who", ["reporter", "developer", "owner"])
def test_any_member_creates_a_token_shown_once_acting_as_them(tenant, who):
    user = getattr(tenant, who)
    client = signed_in(user)
    response = create(client, scope="read_api")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    secret = response.context["created"]["secret"]
    assert secret in response.content.decode()
    token, project, role = access_for_token(secret=secret, project_ref=tenant.project.path)
    assert token.user == user and token.project_id is None and token.scopes == "read_api"
    assert role == getattr(Role, {"reporter": "REPORTER", "developer": "DEVELOPER", "owner": "OWNER"}[who])
    assert token.expires_at.date() == datetime.now(UTC).date() + timedelta(days=30)
    assert secret not in client.get(URL).content.decode()


def test_expiry_past_the_maximum_is_refused(tenant):
    day = (datetime.now(UTC).date() + timedelta(days=366)).isoformat()
    response = create(signed_in(tenant.reporter), expires_at=day)
    assert response.context["created"] is None and "at most 365 days" in response.content.decode()


def test_revoke_own_token(tenant):
    token, secret = access_token_create(user=tenant.reporter, name="old")
    response = signed_in(tenant.reporter).post(f"{URL}/{token.pk}/revoke")
    assert response.status_code == 302 and response["Location"] == URL
    assert access_for_token(secret=secret, project_ref=tenant.project.path)[0] is None


@pytest.mark.parametrize("kind", ["another user's personal", "a project"])
def test_nobody_revokes_a_token_that_is_not_their_personal_one(tenant, other_tenant, kind):
    if kind == "a project":
        token, _ = project_access_token_create(
            project=tenant.project, creator_role=Role.OWNER, name="p", scopes=["api"]
        )
    else:
        token, _ = access_token_create(user=other_tenant.owner, name="theirs")
    response = signed_in(tenant.owner).post(f"{URL}/{token.pk}/revoke", follow=True)
    assert "not one of yours" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("name", HOSTILE)
def test_token_names_are_escaped(tenant, name):
    client = signed_in(tenant.reporter)
    created = create(client, name=name).content.decode()
    listed = client.get(URL).content.decode()
    token = AccessToken.objects.get(user=tenant.reporter, name=name)
    revoked = client.post(f"{URL}/{token.pk}/revoke", follow=True).content.decode()  # the message names it
    for html in (created, listed, revoked):
        assert name not in html and "&lt;" in html


def test_every_page_links_to_personal_tokens(tenant):
    assert URL in signed_in(tenant.reporter).get("/").content.decode()
