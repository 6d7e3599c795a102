"""/<project>/-/settings/access_tokens: maintainers and owners create (shown once), list and revoke project access
tokens; nobody mints above their own role; everyone else, and the other tenant, gets 404."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from projects.models import AccessToken, Role
from projects.selectors import access_for_token
from projects.services import membership_set, project_access_token_create, user_get_or_create

pytestmark = pytest.mark.django_db

HOSTILE = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


def page_url(project) -> str:
    return f"/{project.path}/-/settings/access_tokens"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def maintainer(tenant):
    user = user_get_or_create(username="acme-maintainer")
    membership_set(project=tenant.project, user=user, role=Role.MAINTAINER)
    return user


def create(client, project, **fields):
    data = {"name": "ci", "scope": "api", "access_level": str(Role.DEVELOPER), "expires_at": "", **fields}
    return client.post(page_url(project), data)


def test_signed_out_goes_to_sign_in(client, tenant):
    response = client.get(page_url(tenant.project))
    assert response.status_code == 302 and response["Location"].startswith("/users/sign_in?next=")


@pytest.mark.parametrize("who", ["reporter", "developer"])
def test_below_maintainer_gets_404_to_see_create_or_revoke(tenant, who):
    token, _ = project_access_token_create(
        project=tenant.project, creator_role=Role.OWNER, name="x", scopes=["api"]
    )
    client = signed_in(getattr(tenant, who))
    assert client.get(page_url(tenant.project)).status_code == 404
    assert create(client, tenant.project).status_code == 404
    assert client.post(f"{page_url(tenant.project)}/{token.pk}/revoke").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert AccessToken.objects.filter(project=tenant.project).count() == 1


def test_other_tenant_gets_404(tenant, other_tenant):
    assert signed_in(other_tenant.owner).get(page_url(tenant.project)).status_code == 404


def test_maintainer_sees_the_page(tenant, maintainer, assert_query_count):
    project_access_token_create(project=tenant.project, creator_role=Role.OWNER, name="one", scopes=["api"])
    project_access_token_create(
        project=tenant.project, creator_role=Role.OWNER, name="two", scopes=["read_api"]
    )
    client = signed_in(maintainer)
    with assert_query_count("project_access_tokens_page"):
        response = client.get(page_url(tenant.project))
    assert response.status_code == 200
    html = response.content.decode()
    table = html.split('id="tokens"')[1]
    assert table.index(">two ") < table.index(">one ")  # newest first
    assert table.count("Maintainer") == 2 and "<code>read_api</code>" in table
    # Roles offered: reporter to maintainer (never owner, never guest).
    options = response.context["form"].fields["access_level"].choices
    assert [value for value, _ in options] == [Role.REPORTER, Role.DEVELOPER, Role.MAINTAINER]


def test_maintainer_creates_a_token_shown_once_that_works(tenant, maintainer):
    client = signed_in(maintainer)
    response = create(client, tenant.project, name="ci-runner", access_level=str(Role.DEVELOPER))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = response.context["created"]["secret"]
    assert secret.startswith("asy-") and secret in response.content.decode()
    token, project, role = access_for_token(secret=secret, project_ref=str(tenant.project.pk))
    assert token.name == "ci-runner" and project == tenant.project and role == Role.DEVELOPER
    assert token.scopes == "api" and token.project_id == tenant.project.pk
    assert token.expires_at.date() == datetime.now(UTC).date() + timedelta(days=30)
    again = client.get(page_url(tenant.project)).content.decode()
    assert "ci-runner" in again and secret not in again


def test_nobody_mints_above_their_own_role(tenant, maintainer):
    response = create(signed_in(maintainer), tenant.project, access_level=str(Role.OWNER))
    assert response.status_code == 200
    assert response.context["form"].errors["access_level"]
    assert not AccessToken.objects.filter(project=tenant.project).exists()


def test_only_owners_mint_owner_tokens(tenant):
    response = create(signed_in(tenant.owner), tenant.project, access_level=str(Role.OWNER), scope="read_api")
    secret = response.context["created"]["secret"]
    token, _, role = access_for_token(secret=secret, project_ref=tenant.project.path)
    assert role == Role.OWNER and token.scopes == "read_api"


@pytest.mark.parametrize("days,ok", [(0, False), (1, True), (365, True), (366, False)])
def test_expiry_window(tenant, days, ok):
    day = (datetime.now(UTC).date() + timedelta(days=days)).isoformat()
    response = create(signed_in(tenant.owner), tenant.project, expires_at=day)
    assert (response.context["created"] is not None) is ok
    if not ok:
        assert "at most 365 days" in response.content.decode()


def test_maintainer_revokes(tenant, maintainer):
    token, secret = project_access_token_create(
        project=tenant.project, creator_role=Role.OWNER, name="old", scopes=["api"]
    )
    response = signed_in(maintainer).post(f"{page_url(tenant.project)}/{token.pk}/revoke")
    assert response.status_code == 302 and response["Location"] == page_url(tenant.project)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert access_for_token(secret=secret, project_ref=str(tenant.project.pk))[0] is None


def test_another_projects_token_cannot_be_revoked_through_this_one(tenant, other_tenant):
    theirs, _ = project_access_token_create(
        project=other_tenant.project, creator_role=Role.OWNER, name="theirs", scopes=["api"]
    )
    signed_in(tenant.owner).post(f"{page_url(tenant.project)}/{theirs.pk}/revoke")
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_revoke_needs_post(tenant):
    token, _ = project_access_token_create(
        project=tenant.project, creator_role=Role.OWNER, name="x", scopes=["api"]
    )
    assert signed_in(tenant.owner).get(f"{page_url(tenant.project)}/{token.pk}/revoke").status_code == 405


@pytest.mark.parametrize("name", HOSTILE)
def test_token_names_are_escaped(tenant, name):
    client = signed_in(tenant.owner)
    created = create(client, tenant.project, name=name).content.decode()
    listed = client.get(page_url(tenant.project)).content.decode()
    for html in (created, listed):
        assert name not in html
        assert "&lt;" in html


def test_navigation_links_the_page_for_maintainers_only(tenant, maintainer):
    experiments = f"/{tenant.project.path}/-/ml/experiments/"
    assert page_url(tenant.project) in signed_in(maintainer).get(experiments).content.decode()
    assert page_url(tenant.project) not in signed_in(tenant.developer).get(experiments).content.decode()


def test_empty_experiments_say_where_tokens_come_from(tenant):
    html = signed_in(tenant.owner).get(f"/{tenant.project.path}/-/ml/experiments/").content.decode()
    help_text = html.split('id="token-help"')[1].split("</p>")[0]
    assert "/-/user_settings/personal_access_tokens" in help_text and page_url(tenant.project) in help_text
    html = signed_in(tenant.reporter).get(f"/{tenant.project.path}/-/ml/experiments/").content.decode()
    help_text = html.split('id="token-help"')[1].split("</p>")[0]
    assert (
        "/-/user_settings/personal_access_tokens" in help_text and page_url(tenant.project) not in help_text
    )
