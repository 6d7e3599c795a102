"""Sign-in throttling (django-axes) through the real sign-in form: after ASSAY_SIGN_IN_FAILURE_LIMIT wrong passwords
the account+address pair is locked for the cool-off and the page says so; API tokens are not affected."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.conftest import Api

PASSWORD = "right-password-1"
LIMIT = settings.AXES_FAILURE_LIMIT


@pytest.fixture
def alice(tenant):
    tenant.developer.set_password(PASSWORD)
    tenant.developer.save()
    return tenant.developer


def browser(address: str = "127.0.0.1") -> Client:
    return Client(enforce_csrf_checks=True, REMOTE_ADDR=address)


def sign_in(client: Client, username: str, password: str, **extra):
    """Load the form, then post it with its CSRF token, as a browser does."""
    form = client.get("/users/sign_in").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    return client.post(
        "/users/sign_in",
        {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/"},
        **extra,
    )


def signed_in(client: Client) -> bool:
    return client.get("/").status_code == 200  # the project list needs a session; anonymous is redirected


def test_the_limit_is_five_by_default():
    assert LIMIT == 5


def test_forty_wrong_passwords_lock_the_account_from_that_address(alice):
    client = browser()
    for attempt in range(40):
        response = sign_in(client, alice.username, f"wrong-{attempt}")
        assert response.status_code == (200 if attempt < LIMIT - 1 else 429), attempt
    response = sign_in(client, alice.username, PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)
    html = response.content.decode()
    # A styled page of the application (the layout and its stylesheet), not a bare text body.
    assert '<link rel="stylesheet" href="/static/assay.css">' in html and 'id="sign-in-locked"' in html
    assert "Too many failed sign-in attempts" in html
    assert f"After {LIMIT} wrong passwords for <strong>{alice.username}</strong>" in html
    assert "paused for 15 minutes" in html


def test_wrong_passwords_below_the_limit_then_success_signs_in(alice):
    client = browser()
    for _ in range(LIMIT - 1):
        response = sign_in(client, alice.username, "wrong")
        assert (
            response.status_code == 200
            and "Please enter a correct username and password" in response.content.decode()
        )
    assert sign_in(client, alice.username, PASSWORD).status_code == 302
    assert signed_in(client)


def test_success_resets_the_count(alice):
    client = browser()
    for _ in range(2):
        for _ in range(LIMIT - 1):
            sign_in(client, alice.username, "wrong")
        assert sign_in(client, alice.username, PASSWORD).status_code == 302
        client.post("/users/sign_out", {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})


def _lock(username: str, address: str = "127.0.0.1") -> None:
    client = browser(address)
    for _ in range(LIMIT):
        sign_in(client, username, "wrong")
    assert sign_in(client, username, PASSWORD).status_code == 429


def test_the_lock_is_per_account_and_address(alice, tenant):
    _lock(alice.username)
    # The same account from another address, and another account from the locked address, still sign in.
    assert sign_in(browser("10.0.0.9"), alice.username, PASSWORD).status_code == 302
    tenant.reporter.set_password(PASSWORD)
    tenant.reporter.save()
    assert sign_in(browser(), tenant.reporter.username, PASSWORD).status_code == 302


def test_a_forged_forwarded_for_header_does_not_reset_the_count(alice):
    client = browser()
    for n in range(LIMIT):
        sign_in(client, alice.username, "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assert sign_in(client, alice.username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429


def test_the_lock_ends_after_the_cool_off(alice):
    _lock(alice.username)
    # Age the recorded failures past the cool-off in the database instead of waiting 15 minutes.
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    client = browser()
    assert sign_in(client, alice.username, PASSWORD).status_code == 302
    assert signed_in(client)


def test_api_tokens_keep_working_while_the_account_is_locked(alice, tenant, client):
    _lock(alice.username)
    api = Api(client, tenant.project, tenant.write_token)  # the developer's token, from the locked address
    response = api.post("api/2.0/mlflow/experiments/create", {"name": "still-logging"})
    assert response.status_code == 200 and response.json()["experiment_id"]
