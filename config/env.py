"""Typed access to environment variables, so settings read as declarations.

Each helper raises ``ImproperlyConfigured`` with the variable's name when a value
cannot be parsed: a typo in production must stop start-up, not silently fall back.
"""

import os
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0/true/false, got {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    """Comma-separated values, blanks dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


@dataclass(frozen=True)
class EmailServer:
    """The EMAIL_* settings Django's mail backends read."""

    backend: str = SMTP_BACKEND
    host: str = "localhost"
    port: int = 25
    user: str = ""
    password: str = ""
    use_tls: bool = False
    use_ssl: bool = False


def email_server_from_url(url: str) -> EmailServer:
    """``smtp://user:pass@host:port?tls=1``, ``smtps://...`` or ``console://`` as settings.

    ``smtp`` is plain SMTP, upgraded by STARTTLS with ``?tls``; ``smtps`` (or ``?ssl``)
    is implicit TLS. User and password may be percent-encoded.
    """
    parts = urlsplit(url)
    if parts.scheme == "console":
        return EmailServer(backend=CONSOLE_BACKEND)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ImproperlyConfigured("EMAIL_URL must look like smtp://user:password@host:port")
    options = {key: value.strip().lower() for key, value in parse_qsl(parts.query, True)}
    use_ssl = parts.scheme == "smtps" or options.get("ssl") in _TRUE | {""}
    use_tls = options.get("tls") in _TRUE | {""}
    if use_ssl and use_tls:
        raise ImproperlyConfigured("EMAIL_URL: choose one of tls (STARTTLS) and ssl (implicit TLS)")
    try:
        port = parts.port or (465 if use_ssl else 25)
    except ValueError:
        raise ImproperlyConfigured("EMAIL_URL has an invalid port") from None
    return EmailServer(
        host=parts.hostname,
        port=port,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_tls=use_tls,
        use_ssl=use_ssl,
    )
