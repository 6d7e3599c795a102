"""/-/metrics: Prometheus text for allowed monitoring addresses only; no request middleware on the API path."""

import pytest
from django.conf import settings
from django.test import Client, override_settings

pytestmark = [pytest.mark.django_db]


def test_metrics_answer_prometheus_text_from_loopback(client):
    response = client.get("/-/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    body = response.content.decode()
    assert "# TYPE process_resident_memory_bytes gauge" in body
    assert "python_info{" in body
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("address", ["10.1.2.3", "2001:db8::1", "not-an-address", ""])
def test_other_addresses_get_404(client, address):
    assert client.get("/-/metrics", REMOTE_ADDR=address).status_code == 404


def test_a_forwarded_for_header_does_not_get_past_the_allow_list(client):
    assert (
        client.get("/-/metrics", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 404
    )


@override_settings(MONITORING_ALLOWLIST=["10.0.0.0/8"])
def test_the_allow_list_setting_decides(client):
    assert client.get("/-/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/-/metrics").status_code == 404


def test_only_get(client):
    assert client.post("/-/metrics").status_code in (404, 405)


def test_metrics_are_not_redirected_to_https(settings):
    settings.SECURE_SSL_REDIRECT = True
    assert Client().get("/-/metrics").status_code == 200


def test_no_per_request_middleware_on_the_hot_path():
    assert not any("prometheus" in name for name in settings.MIDDLEWARE)
