"""No password or token reaches a log, whatever endpoint or error path it travels through.

Every request below carries a known password and a real token; the real handlers'
output (in-process, at DEBUG) and a live gunicorn's whole stdout/stderr are searched.
"""

import json as jsonlib
import logging
from urllib.parse import urlencode

import pytest

from tests.boom_urls import BOOM_MESSAGE
from tests.factories import UserFactory
from tests.logcapture import capture_logs
from tests.servers import start_gunicorn

PASSWORD = "Known-Secret-Pa55!"


def _token_for(http, *, username: str) -> tuple[str, str]:
    response = http.request(
        "POST", "/api/v1/auth/login", json={"login": username, "password": PASSWORD}
    )
    body = response.json()
    return body["access"], body["refresh"]


def _exercise_every_endpoint(http, *, access: str, refresh: str) -> list[int]:
    """Send the secrets through each endpoint and error path; the statuses seen."""
    bearer = {"Authorization": f"Bearer {access}"}
    cookie = {"Cookie": f"sessionid={refresh}; csrftoken={access}"}
    calls = [
        # register: success, weak password (validation), conflict, malformed JSON, form body
        (
            "POST",
            "/api/v1/auth/register",
            {"json": {"username": "fresh_one", "email": "f@example.com", "password": PASSWORD}},
        ),
        (
            "POST",
            "/api/v1/auth/register",
            {"json": {"username": "weak_one", "email": "w@example.com", "password": "short"}},
        ),
        (
            "POST",
            "/api/v1/auth/register",
            {"json": {"username": "fresh_one", "email": "f@example.com", "password": PASSWORD}},
        ),
        (
            "POST",
            "/api/v1/auth/register",
            {
                "content": f'{{"password": "{PASSWORD}", ',
                "headers": {"Content-Type": "application/json"},
            },
        ),
        ("POST", "/api/v1/auth/register", {"data": {"password": PASSWORD, "token": access}}),
        # login: success, wrong password, validation, malformed, wrong media type, huge body
        ("POST", "/api/v1/auth/login", {"json": {"login": "fresh_one", "password": PASSWORD}}),
        (
            "POST",
            "/api/v1/auth/login",
            {"json": {"login": "fresh_one", "password": PASSWORD + "x"}},
        ),
        ("POST", "/api/v1/auth/login", {"json": {"login": ["x"], "password": [PASSWORD]}}),
        (
            "POST",
            "/api/v1/auth/login",
            {
                "content": f"password={PASSWORD}&token={access}",
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            },
        ),
        (
            "POST",
            "/api/v1/auth/login",
            {
                "content": f'{{"password": "{PASSWORD}"',
                "headers": {"Content-Type": "application/json"},
            },
        ),
        (
            "POST",
            "/api/v1/auth/login",
            # The server may close the connection after a 413 without reading the rest of
            # the body (RFC 9110 §15.5.14); the client must not reuse it.
            {
                "json": {"login": "x", "password": PASSWORD, "pad": "a" * 70_000},
                "headers": {"Connection": "close"},
            },
        ),
        # me: valid token, refresh token as access, garbage token, token in query and cookie
        ("GET", "/api/v1/auth/me", {"headers": bearer}),
        ("GET", "/api/v1/auth/me", {"headers": {"Authorization": f"Bearer {refresh}"}}),
        ("GET", "/api/v1/auth/me", {"headers": {"Authorization": f"Bearer {access}x"}}),
        ("GET", f"/api/v1/auth/me?access_token={access}&password={PASSWORD}", {"headers": cookie}),
        ("DELETE", "/api/v1/auth/me", {"headers": bearer}),
        # probes, metrics with a wrong token, unknown URL carrying the token
        ("GET", "/healthz", {"headers": bearer}),
        ("GET", "/readyz", {"headers": bearer}),
        ("GET", "/metrics", {"headers": {"Authorization": f"Bearer {access}"}}),
        ("GET", f"/nope/{access}", {"headers": {**bearer, **cookie}}),
    ]
    return [http.request(method, url, **kwargs).status_code for method, url, kwargs in calls]


class _HttpxLike:
    """Django's test client behind httpx's request() signature, so one table serves both."""

    def __init__(self, client) -> None:
        self.client = client

    def request(self, method, url, *, json=None, data=None, content=None, headers=None):
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
        content_type = extra.pop("HTTP_CONTENT_TYPE", None)
        if json is not None:
            body, content_type = jsonlib.dumps(json), "application/json"
        elif data is not None:
            body, content_type = urlencode(data), "application/x-www-form-urlencoded"
        else:
            body = content or ""
        if content_type:
            extra["content_type"] = content_type
        return self.client.generic(method, url, body, **extra)


@pytest.mark.django_db
def test_no_password_or_token_in_any_log_record_in_process(client, settings):
    # given a user with a known password, the strictest log level and a failing view
    settings.ROOT_URLCONF = "tests.boom_urls"
    settings.AUTH_METRICS_TOKEN = "the-real-metrics-token-0123456789"
    # every endpoint many times: the rate limits must not turn the error paths into 429s
    settings.AUTH_LOGIN_RATE = settings.AUTH_REGISTER_RATE = "1000/m"
    UserFactory(username="known_user", password=PASSWORD)
    http = _HttpxLike(client)
    client.raise_request_exception = False
    access, refresh = _token_for(http, username="known_user")

    # when every endpoint and error path sees the secrets
    with capture_logs(level=logging.DEBUG) as logs:
        statuses = _exercise_every_endpoint(http, access=access, refresh=refresh)
        logging.getLogger("django.request").warning(
            "Unauthorized: %s", f"/x?password={PASSWORD}", extra={"request": f"Bearer {access}"}
        )
        http.request(
            "GET", f"/boom?password={PASSWORD}", headers={"Authorization": f"Bearer {access}"}
        )

    # then the paths were really taken, and nothing secret was written
    assert {200, 201, 400, 401, 404, 405, 409, 413, 415} <= set(statuses)
    assert logs.records(), "nothing was captured: the test would prove nothing"
    assert BOOM_MESSAGE in logs.text
    for secret in (PASSWORD, access, refresh, settings.SECRET_KEY, settings.AUTH_METRICS_TOKEN):
        assert secret not in logs.text
    assert access.split(".")[1] not in logs.text  # not even the payload segment


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_setup, django_db_blocker):
    server = start_gunicorn(
        tmp_path_factory.mktemp("nosecrets"),
        workers=1,
        env={
            "LOG_LEVEL": "DEBUG",
            "AUTH_METRICS_TOKEN": "the-real-metrics-token-0123456789",
        },
    )
    yield server
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_no_password_or_token_in_gunicorn_output(server):
    UserFactory(username="known_user", password=PASSWORD)

    with server.client() as http:
        access, refresh = _token_for(http, username="known_user")
        statuses = _exercise_every_endpoint(http, access=access, refresh=refresh)

    server.stop()  # flush and close: everything gunicorn and the workers wrote is in the file
    output = server.logs()
    assert {200, 201, 400, 401, 404, 409, 413, 415} <= set(statuses)
    assert '"logger": "authsvc.access"' in output
    for secret in (PASSWORD, access, refresh, "the-real-metrics-token-0123456789"):
        assert secret not in output
