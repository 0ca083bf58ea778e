"""Mail configuration: EMAIL_URL parsing and the backend chosen at start-up."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import CONSOLE_BACKEND, SMTP_BACKEND, EmailServer, email_server_from_url

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", EmailServer(host="mail.example.com")),
        (
            "smtp://user%40x:p%3Ass@mail.example.com:587?tls=1",
            EmailServer(
                host="mail.example.com", port=587, user="user@x", password="p:ss", use_tls=True
            ),
        ),
        ("smtp://mail.example.com?tls", EmailServer(host="mail.example.com", use_tls=True)),
        ("smtps://mail.example.com", EmailServer(host="mail.example.com", port=465, use_ssl=True)),
        (
            "smtp://mail.example.com:2465?ssl=true",
            EmailServer(host="mail.example.com", port=2465, use_ssl=True),
        ),
        ("console://", EmailServer(backend=CONSOLE_BACKEND)),
    ],
)
def test_email_url_becomes_email_settings(url, expected):
    assert email_server_from_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example.com",
        "smtp://",
        "smtp://mail.example.com:notaport",
        "smtp://mail.example.com?tls=1&ssl=1",
    ],
)
def test_malformed_email_url_is_refused_by_name(url):
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        email_server_from_url(url)


def _setting(name: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EMAIL_"))}
    result = subprocess.run(
        [sys.executable, "-c", f"from config import settings; print(settings.{name})"],
        cwd=ROOT,
        env={**clean, "DJANGO_SECRET_KEY": "x" * 50, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_debug_without_mail_configuration_prints_mail_to_the_console():
    assert _setting("EMAIL_BACKEND", DJANGO_DEBUG="1") == CONSOLE_BACKEND


def test_production_without_mail_configuration_uses_smtp_on_localhost():
    assert _setting("EMAIL_BACKEND") == SMTP_BACKEND
    assert _setting("EMAIL_HOST") == "localhost"


def test_email_url_wins_over_debug_console():
    assert _setting("EMAIL_HOST", DJANGO_DEBUG="1", EMAIL_URL="smtp://mx.example.com") == (
        "mx.example.com"
    )


def test_pwned_passwords_flag_adds_the_validator_last():
    validators = _setting("AUTH_PASSWORD_VALIDATORS", AUTH_PWNED_PASSWORDS="1")
    assert validators.endswith(
        "{'NAME': 'accounts.passwords.validators.BreachedPasswordValidator'}]"
    )
    assert "Breached" not in _setting("AUTH_PASSWORD_VALIDATORS")
