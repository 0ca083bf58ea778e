"""Structured logs: real requests through the real LOGGING handlers, parsed back as JSON."""

import logging
import re
import sys
import uuid
from datetime import datetime, timedelta
from string import ascii_lowercase

import pytest
from django.core.exceptions import ImproperlyConfigured

from accounts.models import AuditLog
from authsvc.context import outbound_headers, request_id_var
from authsvc.logging import (
    REDACTED,
    _fold,
    gunicorn_logging_config,
    logging_config,
    redact_text,
    redact_value,
)
from tests.boom_urls import BOOM_MESSAGE
from tests.factories import UserFactory
from tests.logcapture import capture_logs
from tests.problem import assert_problem

pytestmark = pytest.mark.django_db

ACCESS_FIELDS = {
    "timestamp", "level", "logger", "message", "request_id", "method", "path", "status",
    "duration_ms", "client_ip", "user_id", "user_agent",
}  # fmt: skip


def _login(api, user):
    response = api.post(
        "/api/v1/auth/login", {"login": user.username, "password": user.raw_password}, format="json"
    )
    return response.json()["access"]


def test_a_request_writes_one_json_access_record_with_every_field(api):
    # given an authenticated user
    user = UserFactory()
    token = _login(api, user)

    # when they call /me
    with capture_logs() as logs:
        response = api.get(
            "/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_USER_AGENT="probe/1.0"
        )

    # then exactly one access record describes it
    [access] = logs.by_logger("authsvc.access")
    assert access.keys() >= ACCESS_FIELDS
    assert access["level"] == "INFO"
    assert access["request_id"] == response["X-Request-ID"]
    assert (access["method"], access["path"], access["status"]) == ("GET", "/api/v1/auth/me", 200)
    assert access["route"] == "api/v1/auth/me"
    assert access["user_id"] == str(user.id)
    assert access["client_ip"] == "127.0.0.1"
    assert access["user_agent"] == "probe/1.0"
    assert 0 <= access["duration_ms"] < 10_000
    timestamp = datetime.fromisoformat(access["timestamp"])
    assert timestamp.utcoffset() == timedelta(0)


def test_the_access_record_has_no_user_id_for_an_anonymous_request(api):
    with capture_logs() as logs:
        api.get("/healthz")

    [access] = logs.by_logger("authsvc.access")
    assert access["user_id"] is None
    assert access["route"] == "healthz"


def test_a_login_names_its_user_in_the_access_record(api):
    user = UserFactory()

    with capture_logs() as logs:
        _login(api, user)

    [access] = logs.by_logger("authsvc.access")
    assert access["user_id"] == str(user.id)


def test_one_request_id_in_header_error_body_access_record_audit_log_and_audit_row(api):
    # when a login fails
    with capture_logs() as logs:
        response = api.post(
            "/api/v1/auth/login", {"login": "nobody", "password": "Wrong-pass-1"}, format="json"
        )

    # then the same id is everywhere the request left a trace
    request_id = assert_problem(response, 401, "invalid_credentials")["request_id"]
    assert response["X-Request-ID"] == request_id
    [access] = logs.by_logger("authsvc.access")
    [audit] = logs.by_logger("authsvc.audit")
    assert access["request_id"] == audit["request_id"] == request_id
    assert audit["audit_action"] == "login_failed"
    assert AuditLog.objects.get(request_id=request_id).action == "login_failed"


def test_an_incoming_request_id_is_kept_in_every_record(api):
    with capture_logs() as logs:
        response = api.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.42")

    assert response["X-Request-ID"] == "lb-7f3a.42"
    assert {record["request_id"] for record in logs.records()} == {"lb-7f3a.42"}


def test_a_malformed_incoming_request_id_is_replaced_in_logs_too(api):
    with capture_logs() as logs:
        response = api.get("/healthz", HTTP_X_REQUEST_ID="evil id\n{}")

    fresh = response["X-Request-ID"]
    assert uuid.UUID(fresh)
    [access] = logs.by_logger("authsvc.access")
    assert access["request_id"] == fresh
    assert "evil" not in logs.text


def test_records_logged_outside_a_request_have_no_request_id():
    with capture_logs() as logs:
        logging.getLogger("authsvc.test").info("background work")

    [record] = logs.records()
    assert "request_id" not in record
    assert record["message"] == "background work"


def test_an_unhandled_exception_is_logged_once_at_error_with_trace_and_request_id(api, settings):
    # given a view that raises
    settings.ROOT_URLCONF = "tests.boom_urls"

    # when it is called
    with capture_logs() as logs:
        response = api.get("/boom")

    # then the client gets the 500 problem and the log has exactly one ERROR, with the trace
    body = assert_problem(response, 500, "internal_error")
    assert BOOM_MESSAGE not in response.content.decode()
    errors = [record for record in logs.records() if record["level"] == "ERROR"]
    assert len(errors) == 1
    [error] = errors
    assert error["logger"] == "django.request"
    assert error["request_id"] == body["request_id"]
    assert "Traceback (most recent call last)" in error["exc_info"]
    assert f"RuntimeError: {BOOM_MESSAGE}" in error["exc_info"]
    assert logs.text.count(BOOM_MESSAGE) == 1
    [access] = logs.by_logger("authsvc.access")
    assert access["status"] == 500
    assert "exc_info" not in access


def test_outbound_calls_carry_the_request_id_only_during_a_request():
    assert outbound_headers() == {}
    token = request_id_var.set("req-1")
    try:
        assert outbound_headers() == {"X-Request-ID": "req-1"}
    finally:
        request_id_var.reset(token)


def test_console_format_renders_readable_lines_with_or_without_a_request_id():
    config = logging_config(level="debug", log_format="console")
    options = {k: v for k, v in config["formatters"]["console"].items() if k != "()"}
    formatter = logging.Formatter(**options)
    record = logging.makeLogRecord({"name": "authsvc.x", "levelname": "INFO", "msg": "hi"})

    assert config["root"]["level"] == "DEBUG"
    assert config["handlers"]["stdout"]["formatter"] == "console"
    assert formatter.format(record).endswith("INFO    authsvc.x [-] hi")


@pytest.mark.parametrize(
    ("level", "log_format", "named"),
    [("LOUD", "json", "LOG_LEVEL"), ("INFO", "xml", "LOG_FORMAT")],
)
def test_unknown_log_level_or_format_stops_startup_by_name(level, log_format, named):
    with pytest.raises(ImproperlyConfigured, match=named):
        logging_config(level=level, log_format=log_format)


JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk"


@pytest.mark.parametrize(
    ("text", "leaked"),
    [
        (f"token {JWT} seen", JWT),
        ("Authorization: Bearer abcdef0123456789", "abcdef0123456789"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
        ('{"password": "Hunter-2-hunter"}', "Hunter-2-hunter"),
        ("login=alice&password=Hunter-2-hunter&x=1", "Hunter-2-hunter"),
        ("{'new_password': 'Hunter-2-hunter'}", "Hunter-2-hunter"),
        ("Cookie: sessionid=abc123def456", "abc123def456"),
        ("refresh_token=opaque-value-123", "opaque-value-123"),
        (f"seen {JWT}", JWT),
        ("PASSWORD=Hunter-2-hunter", "Hunter-2-hunter"),
        # Characters IGNORECASE takes for keyword letters: long s, Kelvin sign, Turkish i's.
        ("pa\u017f\u017fword=Hunter-2-hunter", "Hunter-2-hunter"),
        ("\u212aEY_TOKEN=opaque-value-123", "opaque-value-123"),
        ("SESS\u0130ONID=abc123def456", "abc123def456"),
        ("sess\u0131onid=abc123def456", "abc123def456"),
    ],
)
def test_redact_text_blanks_secrets_in_free_text(text, leaked):
    scrubbed = redact_text(text, secrets=[])

    assert leaked not in scrubbed
    assert REDACTED in scrubbed


def test_the_quick_scan_folds_every_character_the_patterns_take_for_a_keyword_letter():
    # redact_text skips its patterns when the fold holds no keyword; that is safe only if
    # every character IGNORECASE equates with an ASCII letter folds to exactly that letter.
    any_letter = re.compile("[a-z]", re.IGNORECASE)
    for char in map(chr, range(sys.maxunicode + 1)):
        if any_letter.fullmatch(char):
            same = [letter for letter in ascii_lowercase if re.fullmatch(letter, char, re.I)]
            assert [_fold(char)] == same, hex(ord(char))


def test_redact_text_blanks_the_secret_key_and_keeps_ordinary_words(settings):
    scrubbed = redact_text(f"key is {settings.SECRET_KEY}; token refreshed; basic check")

    assert settings.SECRET_KEY not in scrubbed
    assert scrubbed.endswith("; token refreshed; basic check")


def test_redact_value_blanks_secret_named_keys_at_any_depth_and_stringifies_objects():
    value = {
        "headers": {"Authorization": "x", "HTTP_COOKIE": "y", "Accept": "json"},
        "attempts": [{"password": "p"}, 3, None, True],
        "when": datetime(2026, 1, 1),
        "access": "a",
        "refresh": "r",
    }

    assert redact_value(value, secrets=[]) == {
        "headers": {"Authorization": REDACTED, "HTTP_COOKIE": REDACTED, "Accept": "json"},
        "attempts": [{"password": REDACTED}, 3, None, True],
        "when": "2026-01-01 00:00:00",
        "access": REDACTED,
        "refresh": REDACTED,
    }


def test_a_caller_passing_secrets_in_args_extras_and_exceptions_gets_them_scrubbed():
    logger = logging.getLogger("authsvc.careless")

    with capture_logs() as logs:
        logger.warning("user sent %s", {"password": "Leaky-pass-9"}, extra={"jwt": JWT})
        try:
            raise ValueError(f"bad header Bearer {JWT}")
        except ValueError:
            logger.exception("failed with password=%s", "Leaky-pass-9")

    assert "Leaky-pass-9" not in logs.text
    assert JWT not in logs.text
    assert len(logs.records()) == 2


def test_gunicorn_logging_config_sends_errors_and_early_warnings_to_stderr(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "console")
    monkeypatch.setenv("LOG_LEVEL", "warning")

    config = gunicorn_logging_config()

    assert list(config["handlers"]) == ["gunicorn_error"]
    assert config["handlers"]["gunicorn_error"]["stream"] == "ext://sys.stderr"
    assert config["handlers"]["gunicorn_error"]["formatter"] == "console"
    assert config["loggers"]["py.warnings"]["handlers"] == ["gunicorn_error"]
    assert config["loggers"]["gunicorn.error"] == {
        "level": "WARNING", "handlers": ["gunicorn_error"], "propagate": False,
    }  # fmt: skip


def test_a_broken_format_string_still_logs_the_record():
    with capture_logs() as logs:
        logging.getLogger("authsvc.test").info("two %s %s", "only-one")

    [record] = logs.records()
    assert "two %s %s" in record["message"]
