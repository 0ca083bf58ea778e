"""Registration with the breached-password check, against a real HTTP server playing the API."""

import hashlib
import logging
import time

import pytest

from accounts.models import User
from authsvc import breakers
from authsvc.pwned import password_breach_count
from tests.problem import assert_problem
from tests.upstreams import FakeHttpUpstream, unused_url

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/register"
BREACHED = "Velvet-Otter-123"  # passes every local rule; only the breach list knows it
FRESH = "Unseen-Horse-42-staple"
VALIDATOR = {"NAME": "accounts.passwords.validators.BreachedPasswordValidator"}


def _sha1(password: str) -> str:
    return hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest().upper()


def _range_body(*, breached: str, padding_suffix: str = "0" * 35) -> str:
    """A range answer listing ``breached`` (count 42) and one padding line (count 0)."""
    return f"{_sha1(breached)[5:]}:42\r\n{padding_suffix}:0\r\n"


@pytest.fixture(scope="module")
def pwned_api():
    server = FakeHttpUpstream().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _enabled(settings, pwned_api):
    pwned_api.reset(body=_range_body(breached=BREACHED))
    settings.AUTH_PASSWORD_VALIDATORS = [*settings.AUTH_PASSWORD_VALIDATORS, VALIDATOR]
    settings.AUTH_PWNED_PASSWORDS_URL = pwned_api.base_url
    settings.OUTBOUND_CONNECT_TIMEOUT_MS = 300
    settings.OUTBOUND_READ_TIMEOUT_MS = 300
    settings.OUTBOUND_RETRY_BACKOFF_MS = 10


def _register(api, password, username="alice"):
    return api.post(
        URL,
        {"username": username, "email": f"{username}@example.com", "password": password},
        format="json",
    )


def test_breached_password_is_refused_with_a_validation_error_on_password(api, pwned_api):
    response = _register(api, BREACHED)

    body = assert_problem(response, 400, "validation_error")
    assert list(body["errors"]) == ["password"]
    assert "data breach" in body["errors"]["password"][0]
    assert not User.objects.exists()


def test_only_five_hex_characters_of_the_hash_leave_the_service(api, pwned_api):
    _register(api, BREACHED)

    (request,) = pwned_api.requests
    assert request.path == f"/range/{_sha1(BREACHED)[:5]}"
    assert request.headers["add-padding"] == "true"
    sent = request.path + "".join(request.headers.values())
    assert _sha1(BREACHED)[5:] not in sent.upper()
    assert BREACHED not in sent


def test_password_absent_from_the_range_is_accepted(api, pwned_api):
    response = _register(api, FRESH)

    assert response.status_code == 201, response.content
    assert len(pwned_api.requests) == 1


def test_padding_lines_with_count_zero_are_not_breaches(api, pwned_api):
    pwned_api.reset(body=_range_body(breached=BREACHED, padding_suffix=_sha1(FRESH)[5:]))

    response = _register(api, FRESH)

    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("status", "delay_seconds"),
    [(500, 0), (503, 0), (429, 0), (200, 1.0)],
    ids=["erroring", "unavailable", "rejecting", "slow"],
)
def test_failing_api_skips_the_check_with_a_warning(api, pwned_api, caplog, status, delay_seconds):
    # given
    pwned_api.reset(status=status, body=_range_body(breached=BREACHED), delay_seconds=delay_seconds)

    # when
    started = time.monotonic()
    response = _register(api, BREACHED)

    # then: fail open, no longer than connect + read timeout (0.6 s)
    assert response.status_code == 201, response.content
    assert time.monotonic() - started < 0.9
    assert "breached-password check skipped" in caplog.text
    assert BREACHED not in caplog.text


def test_api_down_skips_the_check(api, settings, caplog):
    settings.AUTH_PWNED_PASSWORDS_URL = unused_url()

    response = _register(api, BREACHED)

    assert response.status_code == 201, response.content
    assert "breached-password check skipped" in caplog.text


def test_open_breaker_skips_the_api_and_registration_goes_on(api, pwned_api, caplog):
    # given: the API fails until the breaker opens
    pwned_api.reset(status=500)
    cb = breakers.breaker("pwned_passwords")
    for number in range(cb.fail_max):
        assert _register(api, FRESH, username=f"user_{number}").status_code == 201
    assert cb.current_state == "open"
    calls_when_opened = len(pwned_api.requests)

    # when
    caplog.clear()
    response = _register(api, BREACHED)

    # then: no call was made; the check was skipped
    assert response.status_code == 201, response.content
    assert len(pwned_api.requests) == calls_when_opened
    assert "circuit open" in caplog.text


def test_breaker_recovers_when_the_api_does(api, pwned_api, settings, caplog):
    # given: an open breaker with a short reset timeout
    breakers.BREAKERS["pwned_passwords"] = breakers.breaker_build(
        name="pwned_passwords", fail_max=1, reset_timeout_seconds=0.2
    )
    pwned_api.reset(status=500)
    assert _register(api, FRESH, username="first").status_code == 201
    caplog.set_level(logging.WARNING, logger="authsvc.breakers")

    # when: the API comes back and the timeout passes
    pwned_api.reset(body=_range_body(breached=BREACHED))
    time.sleep(0.25)
    response = _register(api, BREACHED)

    # then: the trial call is made, the breach is caught, the breaker closes
    assert_problem(response, 400, "validation_error")
    assert breakers.breaker_states()["pwned_passwords"] == "closed"


def test_malformed_count_is_treated_as_a_failed_check(pwned_api, caplog):
    pwned_api.reset(body=f"{_sha1(FRESH)[5:]}:lots\r\n")

    assert password_breach_count(password=FRESH) is None
    assert "malformed answer" in caplog.text
