"""Cookie mode (AUTH_REFRESH_COOKIE=1): the refresh token lives in an HttpOnly cookie."""

import pytest

from accounts.models import LoginSession
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.problem import assert_problem
from tests.tokens import bearer, issue_pair

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
REGISTER = "/api/v1/auth/register"
REFRESH = "/api/v1/auth/token/refresh"
LOGOUT = "/api/v1/auth/logout"
LOGOUT_ALL = "/api/v1/auth/logout-all"
# Secure cookies are __Secure- prefixed: browsers refuse them from plain HTTP.
COOKIE_PATHS = {"__Secure-authsvc_refresh": REFRESH, "__Secure-authsvc_refresh_logout": LOGOUT}


@pytest.fixture
def cookie_mode(settings):
    settings.AUTH_REFRESH_COOKIE = True


def _login(api, user):
    return api.post(LOGIN, {"login": user.username, "password": user.raw_password}, format="json")


def _assert_refresh_cookies(response) -> str:
    values = set()
    for name, path in COOKIE_PATHS.items():
        morsel = response.cookies[name]
        assert morsel["path"] == path
        assert morsel["httponly"] is True
        assert morsel["secure"] is True
        assert morsel["samesite"] == "Strict"
        assert int(morsel["max-age"]) == 604800
        values.add(morsel.value)
    assert len(values) == 1
    assert "refresh" not in response.json()
    assert response.json()["access"]
    return values.pop()


def test_login_sets_the_refresh_cookie_and_keeps_refresh_out_of_the_body(api, cookie_mode):
    response = _login(api, UserFactory())

    assert response.status_code == 200
    _assert_refresh_cookies(response)
    assert response["Cache-Control"] == "no-store"


def test_register_sets_the_refresh_cookie(api, cookie_mode):
    payload = {
        "username": "cookie_user",
        "email": "cookie@example.com",
        "password": DEFAULT_PASSWORD,
    }

    response = api.post(REGISTER, payload, format="json")

    assert response.status_code == 201
    _assert_refresh_cookies(response)


def test_refresh_reads_the_cookie_and_rotates_it(api, cookie_mode):
    # given a browser that logged in (the client keeps the cookies)
    first = _assert_refresh_cookies(_login(api, UserFactory()))

    # when it refreshes with an empty body
    response = api.post(REFRESH, {}, format="json")

    # then a new access token in the body and a new refresh token in the cookies
    assert response.status_code == 200, response.content
    second = _assert_refresh_cookies(response)
    assert second != first
    assert api.post(REFRESH, {}, format="json").status_code == 200


def test_refresh_body_wins_over_the_cookie(api, cookie_mode):
    user = UserFactory()
    _login(api, user)
    api.cookies["__Secure-authsvc_refresh"] = "garbage"
    api.cookies["__Secure-authsvc_refresh_logout"] = "garbage"
    other = UserFactory()

    response = api.post(REFRESH, {"refresh": issue_pair(other)["refresh"]}, format="json")

    assert response.status_code == 200


def test_logout_reads_the_cookie_revokes_its_session_and_clears_the_cookies(api, cookie_mode):
    login = _login(api, UserFactory())
    access = login.json()["access"]

    response = api.post(LOGOUT, **bearer(access))

    assert response.status_code == 204
    for name, path in COOKIE_PATHS.items():
        assert response.cookies[name].value == ""
        assert response.cookies[name]["path"] == path
        assert int(response.cookies[name]["max-age"]) == 0
    assert LoginSession.objects.get().revoked_at is not None
    assert_problem(api.get("/api/v1/auth/me", **bearer(access)), 401, "token_invalid")


def test_logout_all_clears_the_cookies(api, cookie_mode):
    login = _login(api, UserFactory())

    response = api.post(LOGOUT_ALL, **bearer(login.json()["access"]))

    assert response.status_code == 204
    assert response.cookies["__Secure-authsvc_refresh"].value == ""


def test_refresh_without_body_or_cookie_returns_validation_error(api, cookie_mode):
    body = assert_problem(api.post(REFRESH, {}, format="json"), 400, "validation_error")

    assert "refresh" in body["errors"]


def test_without_cookie_mode_no_cookie_is_set_and_none_is_read(api):
    # given cookie mode off (the default)
    login = _login(api, UserFactory())
    assert not login.cookies
    assert "refresh" in login.json()
    api.cookies["__Secure-authsvc_refresh"] = login.json()["refresh"]

    # then a cookie is not a way to present a refresh token
    assert_problem(api.post(REFRESH, {}, format="json"), 400, "validation_error")


def test_cookie_is_not_secure_when_the_setting_is_off(api, cookie_mode, settings):
    settings.AUTH_REFRESH_COOKIE_SECURE = False

    response = _login(api, UserFactory())

    # without the Secure attribute a browser would refuse a __Secure- name: no prefix either
    assert set(response.cookies) == {"authsvc_refresh", "authsvc_refresh_logout", "authsvc_device"}
    assert {cookie["secure"] for cookie in response.cookies.values()} == {""}


def test_an_unprefixed_cookie_is_not_read_when_cookies_are_secure(api, cookie_mode):
    # a cookie planted over plain HTTP (or by a sibling subdomain) has no __Secure- prefix
    login = _login(api, UserFactory())
    api.cookies.clear()
    api.cookies["authsvc_refresh"] = login.cookies["__Secure-authsvc_refresh"].value

    assert_problem(api.post(REFRESH, {}, format="json"), 400, "validation_error")
