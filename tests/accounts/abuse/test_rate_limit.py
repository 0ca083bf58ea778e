"""Per-client-IP rate limits on login and register (django-ratelimit core API)."""

import logging

import pytest
from django_ratelimit.exceptions import Ratelimited

from accounts.models import LoginLockout
from authsvc import exceptions as errors
from authsvc.problems import to_service_error
from tests.factories import UserFactory
from tests.problem import assert_problem
from tests.servers import free_port

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
REGISTER = "/api/v1/auth/register"


@pytest.fixture(autouse=True)
def _lockout_out_of_the_way(settings):
    """These tests count requests per IP; the per-account lockout must not answer first."""
    settings.AXES_FAILURE_LIMIT = 100


WRONG = "Wrong-password-1"


def _login(api, login="nobody", password=WRONG, **extra):
    return api.post(LOGIN, {"login": login, "password": password}, format="json", **extra)


def test_default_rates_are_documented_values(settings):
    assert settings.AUTH_LOGIN_RATE == "5/15m"
    assert settings.AUTH_REGISTER_RATE == "10/h"
    assert settings.AUTH_RATELIMIT_FAIL_OPEN is True


def test_sixth_login_from_one_ip_in_the_window_is_429_with_retry_after(api):
    statuses = [_login(api).status_code for _ in range(5)]

    response = _login(api)

    assert statuses == [401] * 5
    assert_problem(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 15 * 60


def test_rate_limit_counts_every_attempt_including_successes_and_malformed_ones(api):
    user = UserFactory()
    _login(api, user.username, user.raw_password)
    api.post(LOGIN, "{not json", content_type="application/json")
    api.post(LOGIN, {"login": ""}, format="json")
    _login(api)
    _login(api)

    assert_problem(_login(api, user.username, user.raw_password), 429, "rate_limited")


def test_rate_limited_login_is_checked_first_and_not_counted_against_the_account(api, settings):
    # given a rate of two per IP and a lockout threshold of three
    settings.AUTH_LOGIN_RATE = "2/15m"
    settings.AXES_FAILURE_LIMIT = 3
    user = UserFactory()
    # when a third and fourth guess from the same IP are refused by the rate limit
    for _ in range(2):
        _login(api, user.username)
    for _ in range(2):
        assert_problem(_login(api, user.username), 429, "rate_limited")

    # then only two attempts were counted, and the owner can log in from elsewhere
    assert LoginLockout.objects.get(key=user.username).attempts == 2
    response = _login(api, user.username, user.raw_password, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 200, response.content


def test_rate_limit_is_per_client_ip(api):
    for _ in range(5):
        _login(api)

    assert_problem(_login(api), 429, "rate_limited")
    assert _login(api, REMOTE_ADDR="10.1.1.1").status_code == 401


def test_ipv6_clients_are_limited_per_64_network(api):
    for index in range(5):
        _login(api, REMOTE_ADDR=f"2001:db8::{index + 1}")

    assert_problem(_login(api, REMOTE_ADDR="2001:db8::ffff"), 429, "rate_limited")
    assert _login(api, REMOTE_ADDR="2001:db8:0:1::1").status_code == 401


def test_x_forwarded_for_is_ignored_by_default(api):
    for index in range(5):
        _login(api, HTTP_X_FORWARDED_FOR=f"203.0.113.{index}")

    response = _login(api, HTTP_X_FORWARDED_FOR="203.0.113.99")

    assert_problem(response, 429, "rate_limited")


def test_x_forwarded_for_is_honoured_with_one_trusted_proxy(api, settings):
    settings.AUTH_TRUSTED_PROXIES = 1
    for _ in range(5):
        _login(api, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7")

    # the proxy's entry (rightmost) is the client: same client, limited ...
    assert_problem(_login(api, HTTP_X_FORWARDED_FOR="203.0.113.7"), 429, "rate_limited")
    # ... and another client behind the same proxy socket is not
    assert _login(api, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 401


def test_malformed_x_forwarded_for_with_trusted_proxy_never_500s(api, settings):
    settings.AUTH_TRUSTED_PROXIES = 1

    for header in ["", ",,,", "not-an-ip", "999.1.1.1", "[::1", "\u00e9"]:
        assert _login(api, HTTP_X_FORWARDED_FOR=header).status_code in (401, 429)


def test_register_is_rate_limited_per_ip(api, settings):
    settings.AUTH_REGISTER_RATE = "2/h"
    for index in range(2):
        response = api.post(
            REGISTER,
            {
                "username": f"new_{index}",
                "email": f"n{index}@example.com",
                "password": "Hx7!qLm2Rz",
            },
            format="json",
        )
        assert response.status_code == 201, response.content

    response = api.post(REGISTER, {}, format="json")

    assert_problem(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 3600


def _dead_redis(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/3",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }


def test_unreachable_store_fails_open_by_default_with_a_warning(api, settings, caplog):
    _dead_redis(settings)
    user = UserFactory()

    with caplog.at_level(logging.WARNING, logger="authsvc.ratelimit"):
        response = _login(api, user.username, user.raw_password)

    assert response.status_code == 200, response.content
    assert "rate-limit store unreachable" in caplog.text
    assert "failing open" in caplog.text


def test_unreachable_store_fails_closed_with_503_when_configured(api, settings, caplog):
    _dead_redis(settings)
    settings.AUTH_RATELIMIT_FAIL_OPEN = False
    user = UserFactory()

    with caplog.at_level(logging.WARNING, logger="authsvc.ratelimit"):
        response = _login(api, user.username, user.raw_password)

    assert_problem(response, 503, "service_unavailable")
    assert int(response["Retry-After"]) >= 1
    assert "failing closed" in caplog.text


def test_django_ratelimit_exception_becomes_429_not_403():
    error = to_service_error(Ratelimited())

    assert isinstance(error, errors.RateLimited)
    assert error.status == 429
