"""createtoken never lowers a member's role unless --lower-role says so."""

from io import StringIO

import pytest
from django.core.management import call_command

from projects.models import AccessToken, Membership, Role
from projects.services import token_digest

pytestmark = [pytest.mark.django_db]


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


def test_createtoken_keeps_a_higher_role():
    run("createproject", "team/alpha", "--owner", "alice")
    secret, warning = run("createtoken", "--project", "team/alpha", "--user", "alice", "--role", "developer")
    assert Membership.objects.get(user__username="alice").role == Role.OWNER
    assert "keeps the owner role" in warning and "--lower-role" in warning
    assert AccessToken.objects.get(digest=token_digest(secret)).user.username == "alice"


def test_createtoken_raises_a_lower_role():
    run("createproject", "team/alpha")
    run("createtoken", "--project", "team/alpha", "--user", "bob", "--role", "reporter")
    run("createtoken", "--project", "team/alpha", "--user", "bob", "--role", "maintainer")
    assert Membership.objects.get(user__username="bob").role == Role.MAINTAINER


def test_createtoken_lowers_only_when_asked():
    run("createproject", "team/alpha", "--owner", "alice")
    _, warning = run(
        "createtoken", "--project", "team/alpha", "--user", "alice", "--role", "reporter", "--lower-role"
    )
    assert Membership.objects.get(user__username="alice").role == Role.REPORTER
    assert warning == ""
