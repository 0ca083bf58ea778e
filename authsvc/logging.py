"""Log configuration: one JSON object per line, request ids attached, secrets scrubbed.

``logging_config`` builds Django's ``LOGGING``; ``gunicorn_logging_config`` builds
gunicorn's ``logconfig_dict`` from the same pieces, so the server's lines look like the
application's. The one access record per request is the application's ``authsvc.access``
(it knows the client IP and the user); gunicorn's own access log is off. Python warnings
go through logging too (``py.warnings``), so with ``LOG_FORMAT=json`` every line the
process writes is one JSON object. Both handlers carry two filters:

- ``RequestIdFilter`` adds ``request_id`` from the contextvar set by
  ``RequestIdMiddleware``; records logged outside a request have no ``request_id``.
- ``RedactSecretsFilter`` scrubs passwords, tokens, ``Authorization``/``Cookie``
  values and the secret key from the message, its arguments, every extra field and
  the formatted traceback, whatever the caller passed (OWASP Logging Cheat Sheet:
  "sensitive data ... should not be recorded").

The log schema is documented field by field in docs/operations.md.
"""

import functools
import logging
import logging.config
import os
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

from authsvc.context import current_request_id

REDACTED = "[REDACTED]"
LOG_FORMATS = ("json", "console")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# Keys whose values are secrets wherever they appear (extras, nested dicts, key=value text).
_SECRET_KEY_NAMES = re.compile(
    r"pass(word|wd|phrase)?|secret|token|authorization|cookie|api[-_]?key|csrf|session"
    r"|signing[-_]?key|private[-_]?key|^access$|^refresh$|credential",
    re.IGNORECASE,
)
# A JWT (RFC 7519 §3): three base64url segments, the header always starting '{"' = "eyJ".
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
# RFC 6750 §2.1 and RFC 7617 credentials as they appear in header text.
_AUTH_SCHEME = re.compile(r"\b((?i:bearer)|Basic)\s+[A-Za-z0-9._~+/=-]{8,}")
# key=value, key: value, "key": "value" in free text (query strings, reprs, JSON).
_KEY_VALUE = re.compile(
    r"""(?ix)
    (["']?[\w-]*(?:pass(?:word|wd|phrase)?|secret|token|authorization|cookie|api[-_]?key
        |csrf|session(?:id)?|signing[-_]?key)[\w-]*["']?\s*[:=]\s*)
    ("[^"]*"|'[^']*'|[^\s,&;}\]]+)
    """
)
# Every pattern above needs one of these words, looked for in the text's case fold: a text
# with none (a path, a uuid, a user agent: nearly every value logged) skips the patterns.
# _KEY_VALUE alone costs ~130 µs on a uuid (it backtracks through [\w-]* at every position)
# and a login's records carry a dozen such values; the scan costs ~1 µs. Folding maps every
# character the IGNORECASE patterns equate with a keyword letter to that letter, except the
# two Turkish i's, mapped after folding (a test checks this over all of Unicode).
_HINT = re.compile(
    r"eyj|basic|bearer|pass|secret|token|authorization|cookie|api[-_]?key|csrf|session"
    r"|signing[-_]?key"
)


def _fold(text: str) -> str:
    # U+0130 folds to "i" + U+0307 and U+0131 to itself; re.IGNORECASE takes both for "i".
    return text.casefold().replace("i\u0307", "i").replace("\u0131", "i")


def _may_hold_secret(text: str) -> bool:
    return _HINT.search(_fold(text)) is not None


# Attributes every LogRecord has; everything else on a record is a caller's extra.
_RECORD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


@functools.lru_cache(maxsize=512)
def _secret_key_name(key: str) -> bool:
    """Whether an extra named ``key`` holds a secret (callers' names are few: cached)."""
    return _SECRET_KEY_NAMES.search(key) is not None


_SECRET_SETTINGS = ("SECRET_KEY", "AUTH_METRICS_TOKEN")
_settings_secrets: list[str] | None = None


def _known_secrets() -> list[str]:
    """Literal secret values to blank out: the signing key, whether or not Django is set up."""
    global _settings_secrets
    from django.conf import settings

    if not settings.configured:  # gunicorn's master process never loads Django settings
        environ = [
            os.environ.get("DJANGO_SECRET_KEY", ""),
            os.environ.get("AUTH_METRICS_TOKEN", ""),
        ]
        return _long_enough(environ)
    if _settings_secrets is None:  # read once per process: every log record needs them
        _settings_secrets = _long_enough([getattr(settings, name, "") for name in _SECRET_SETTINGS])
    return _settings_secrets


def _long_enough(values: list[Any]) -> list[str]:
    # Short values would blank out ordinary words; real keys are long.
    return [value for value in values if isinstance(value, str) and len(value) >= 16]


def _secrets_forget(*, setting: str, **kwargs: Any) -> None:
    global _settings_secrets
    if setting in _SECRET_SETTINGS:
        _settings_secrets = None


setting_changed.connect(_secrets_forget)


def redact_text(text: str, secrets: list[str] | None = None) -> str:
    """``text`` with JWTs, credentials after an auth scheme, key=secret pairs and keys blanked."""
    for secret in _known_secrets() if secrets is None else secrets:
        text = text.replace(secret, REDACTED)
    if not _may_hold_secret(text):
        return text
    text = _JWT.sub(REDACTED, text)
    text = _AUTH_SCHEME.sub(lambda match: f"{match.group(1)} {REDACTED}", text)
    return _KEY_VALUE.sub(lambda match: match.group(1) + REDACTED, text)


def redact_value(value: Any, secrets: list[str] | None = None, *, depth: int = 0) -> Any:
    """A JSON-safe copy of ``value`` with secret-named keys and secret-looking text blanked."""
    secrets = _known_secrets() if secrets is None else secrets
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth > 8:  # a cycle or an absurd nesting: stop, never fail the log call
        return REDACTED
    if isinstance(value, Mapping):
        return {
            str(key): REDACTED
            if _SECRET_KEY_NAMES.search(str(key))
            else redact_value(item, secrets, depth=depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(item, secrets, depth=depth + 1) for item in value]
    return redact_text(value if isinstance(value, str) else str(value), secrets)


class RequestIdFilter(logging.Filter):
    """Adds the current request's id; a caller's explicit ``request_id`` extra wins."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            request_id = current_request_id()
            if request_id is not None:
                record.request_id = request_id
            else:  # outside a request: no field rather than null
                record.__dict__.pop("request_id", None)
        return True


class RedactSecretsFilter(logging.Filter):
    """Scrubs secrets from everything a record will render; mutates the record in place.

    The message is rendered once here (``msg % args``) so that secrets passed as
    arguments are scrubbed too; the traceback is formatted here for the same reason.
    """

    _exception_formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = _known_secrets()
        try:
            message = record.getMessage()
        except Exception:  # a caller's broken format string must not hide the record
            message = f"{record.msg!r} {record.args!r}"
        fields = record.__dict__
        texts = {"msg": message}
        for key in fields.keys() - _RECORD_ATTRS:
            value = fields[key]
            if _secret_key_name(key):
                fields[key] = REDACTED
            elif isinstance(value, str):
                texts[key] = value
            elif not (value is None or isinstance(value, bool | int | float)):
                fields[key] = redact_value(value, secrets)
        # The record's text scanned once, not field by field: nearly every record (an access
        # record's path, user agent, ids) holds no hint word and no known secret.
        joined = "\n".join(texts.values())
        if _may_hold_secret(joined) or any(secret in joined for secret in secrets):
            texts = {key: redact_text(text, secrets) for key, text in texts.items()}
        fields.update(texts)
        record.args = None
        if record.exc_info:
            record.exc_text = self._exception_formatter.formatException(record.exc_info)
            record.exc_info = None  # formatters now render the scrubbed exc_text
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text, secrets)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info, secrets)
        return True


class ClientErrorFilter(logging.Filter):
    """Django logs a client's suspicious request (a disallowed Host, an oversized body) at
    ERROR with a traceback; it is the client's mistake, not ours: keep the line, as a
    WARNING, without the trace, so ERROR stays a signal that our code failed."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("django.security."):
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _formatters() -> dict[str, dict[str, Any]]:
    return {
        "json": {
            # python-json-logger 4: the pythonjsonlogger.jsonlogger path is a deprecated stub.
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "{levelname}{name}{message}",
            "style": "{",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": True,  # ISO 8601, UTC, from the record's creation time
            "json_ensure_ascii": False,
        },
        "console": {
            "()": "logging.Formatter",
            "fmt": "{asctime} {levelname:<7} {name} [{request_id}] {message}",
            "style": "{",
            "defaults": {"request_id": "-"},
        },
    }


def _filters() -> dict[str, dict[str, Any]]:
    return {
        "request_id": {"()": "authsvc.logging.RequestIdFilter"},
        "redact": {"()": "authsvc.logging.RedactSecretsFilter"},
        "client_error": {"()": "authsvc.logging.ClientErrorFilter"},
    }


def _handler(stream: str, log_format: str) -> dict[str, Any]:
    return {
        "class": "logging.StreamHandler",
        "stream": f"ext://sys.{stream}",
        "formatter": log_format,
        "filters": ["client_error", "request_id", "redact"],
    }


def _checked(level: str, log_format: str) -> tuple[str, str]:
    level, log_format = level.strip().upper(), log_format.strip().lower()
    if level not in LOG_LEVELS:
        raise ImproperlyConfigured(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
    if log_format not in LOG_FORMATS:
        raise ImproperlyConfigured(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
    return level, log_format


def _record_attributes_skip() -> None:
    """No formatter here prints a record's source line, thread or process (the access record
    carries its own ``pid``), so logging need not look them up for each record: the
    switches the logging HOWTO's "Optimization" section names (finding the caller walks
    the stack for every record)."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def logging_config(*, level: str = "INFO", log_format: str = "json") -> dict[str, Any]:
    """Django's LOGGING: everything propagates to one stdout handler on the root logger."""
    level, log_format = _checked(level, log_format)
    _record_attributes_skip()
    return {
        "version": 1,
        # Keep gunicorn's loggers (configured before Django in each worker) alive.
        "disable_existing_loggers": False,
        "filters": _filters(),
        "formatters": _formatters(),
        "handlers": {"stdout": _handler("stdout", log_format)},
        "root": {"level": level, "handlers": ["stdout"]},
        "loggers": {
            # Replace Django's defaults (console only in debug, mail_admins, runserver's
            # own format) so its records reach the JSON handler exactly once.
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.server": {"handlers": [], "level": level, "propagate": True},
            "py.warnings": {"handlers": [], "level": "WARNING", "propagate": True},
        },
    }


def configure(config: dict[str, Any]) -> None:
    """Django's ``LOGGING_CONFIG``: apply ``LOGGING`` and route Python warnings (a missing
    static directory, a deprecation) through it, instead of raw text on stderr."""
    logging.config.dictConfig(config)
    logging.captureWarnings(True)


def gunicorn_logging_config(
    *, level: str | None = None, log_format: str | None = None
) -> dict[str, Any]:
    """gunicorn's logconfig_dict: its error log (life cycle, worker timeouts) and warnings
    raised before Django has configured logging, on stderr, in the application's format."""
    level, log_format = _checked(
        level or os.environ.get("LOG_LEVEL", "INFO"),
        log_format or os.environ.get("LOG_FORMAT", "json"),
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": _filters(),
        "formatters": _formatters(),
        "handlers": {"gunicorn_error": _handler("stderr", log_format)},
        "root": {"level": level, "handlers": []},
        "loggers": {
            # propagate False: Django's root handler in the workers must not print them twice.
            "gunicorn.error": {"level": level, "handlers": ["gunicorn_error"], "propagate": False},
            "py.warnings": {"level": "WARNING", "handlers": ["gunicorn_error"], "propagate": False},
        },
    }
