"""`manage.py check --deploy` is clean in production once the TLS settings are given through the environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TLS = {
    "SESSION_COOKIE_SECURE": "1",
    "CSRF_COOKIE_SECURE": "1",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
}


def _check_deploy(extra: dict[str, str]) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE: set in this process by the Playwright tests' conftest, never in production.
    dropped = ("DEBUG", "ASSAY_PRODUCTION", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in TLS and k not in dropped}
    env.update(
        {
            "ASSAY_PRODUCTION": "1",
            "DJANGO_SECRET_KEY": "x7!Qm2#pL9vR4@tZ8^wK1&cN6*yB3(eH5)uJ0-gD_sF+aT=oMq4%vW8&nE2$rY6",
            "ALLOWED_HOSTS": "assay.example.com",
            **extra,
        }
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_tls_settings():
    result = _check_deploy(TLS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_names_each_missing_tls_setting():
    result = _check_deploy({})
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stdout + result.stderr, check


@pytest.mark.parametrize(
    "name, value",
    [
        ("SECURE_PROXY_SSL_HEADER", "HTTP_X_FORWARDED_PROTO"),
        ("SECURE_HSTS_SECONDS", "a year"),
        ("CSRF_COOKIE_SECURE", "sure"),
    ],
)
def test_malformed_values_fail_at_start_up(name, value):
    result = _check_deploy({**TLS, name: value})
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr and name in result.stderr
