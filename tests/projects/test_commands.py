"""Operator commands used by scripts and the acceptance suite."""

from io import StringIO

import pytest
from django.core.management import call_command

from projects.models import AccessToken, Membership, Project, Role
from projects.services import token_digest

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


def test_createproject_is_idempotent():
    first = run("createproject", "team/proj", "--owner", "alice")
    assert run("createproject", "team/proj") == first
    project = Project.objects.get(path="team/proj")
    assert Membership.objects.get(project=project).role == Role.OWNER


def test_createtoken_prints_only_the_secret_and_adds_membership():
    run("createproject", "acc")
    secret = run(
        "createtoken", "--project", "acc", "--user", "bob", "--role", "reporter", "--scopes", "read_api"
    )
    assert "\n" not in secret and secret.startswith("asy-")
    token = AccessToken.objects.get(digest=token_digest(secret))
    assert token.scopes == "read_api" and token.user.username == "bob"
    assert Membership.objects.get(user__username="bob").role == Role.REPORTER
