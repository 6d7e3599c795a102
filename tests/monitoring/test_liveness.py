"""/-/liveness: the process answers, for allowed monitoring addresses only."""

import pytest
from django.test import override_settings

pytestmark = [pytest.mark.django_db]


def test_liveness_answers_ok_from_loopback(client):
    response = client.get("/-/liveness")  # the test client's REMOTE_ADDR is 127.0.0.1
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert client.get("/-/liveness", REMOTE_ADDR="::1").status_code == 200


@pytest.mark.parametrize("address", ["10.1.2.3", "192.168.0.7", "2001:db8::1", "not-an-address", ""])
def test_other_addresses_get_404(client, address):
    assert client.get("/-/liveness", REMOTE_ADDR=address).status_code == 404
    assert client.get("/-/readiness", REMOTE_ADDR=address).status_code == 404


def test_a_forwarded_for_header_does_not_get_past_the_allow_list(client):
    response = client.get("/-/liveness", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.status_code == 404


@override_settings(MONITORING_ALLOWLIST=["10.0.0.0/8"])
def test_the_allow_list_setting_decides(client):
    assert client.get("/-/liveness", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/-/liveness", REMOTE_ADDR="::ffff:10.9.9.9").status_code == 200
    assert client.get("/-/liveness").status_code == 404  # loopback is no longer on it


def test_probes_are_not_redirected_to_https(settings):
    # Kubelet-style probes speak plain HTTP to the pod even when the site redirects browsers to HTTPS.
    from django.test import Client

    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    assert client.get("/users/sign_in").status_code == 301
    assert client.get("/-/liveness").status_code == 200
    assert client.get("/-/readiness").status_code in (200, 503)
