import pytest

from tests.factories import UserFactory
from tests.problem import assert_problem

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/login"


@pytest.fixture
def alice():
    return UserFactory(username="Alice_W", email="alice@example.com")


@pytest.mark.parametrize(
    "login",
    ["Alice_W", "alice_w", "ALICE_W", "alice@example.com", "ALICE@Example.com", "  alice_w  "],
)
def test_login_by_username_or_email_in_any_case_returns_token_pair(api, alice, login):
    response = api.post(URL, {"login": login, "password": alice.raw_password}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["user"]["id"] == str(alice.id)
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 1800
    assert body["access"] and body["refresh"]
    assert response["Cache-Control"] == "no-store"


def test_login_updates_last_login(api, alice):
    assert alice.last_login is None

    api.post(URL, {"login": "Alice_W", "password": alice.raw_password}, format="json")

    alice.refresh_from_db()
    assert alice.last_login is not None


def _failed_login_body(api, login, password):
    body = assert_problem(
        api.post(URL, {"login": login, "password": password}, format="json"),
        401,
        "invalid_credentials",
    )
    body.pop("request_id")
    return body


def test_wrong_password_unknown_login_and_inactive_user_get_the_same_401(api, alice):
    UserFactory(username="sleepy", email="sleepy@example.com", is_active=False)

    wrong = _failed_login_body(api, "Alice_W", "Wrong-password-1")
    unknown = _failed_login_body(api, "nobody_here", "Wrong-password-1")
    unknown_email = _failed_login_body(api, "nobody@example.com", "Wrong-password-1")
    inactive = _failed_login_body(api, "sleepy", alice.raw_password)

    assert wrong == unknown == unknown_email == inactive
    assert "password" not in str(wrong).lower().replace("the login or password", "")


def test_failed_login_does_not_touch_last_login(api, alice):
    api.post(URL, {"login": "Alice_W", "password": "nope-Nope-1"}, format="json")

    alice.refresh_from_db()
    assert alice.last_login is None


def test_login_password_is_not_trimmed(api):
    user = UserFactory(password=" Spaced-Pass-1 ")

    trimmed = api.post(URL, {"login": user.username, "password": "Spaced-Pass-1"}, format="json")
    exact = api.post(URL, {"login": user.username, "password": " Spaced-Pass-1 "}, format="json")

    assert_problem(trimmed, 401, "invalid_credentials")
    assert exact.status_code == 200


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"login", "password"}),
        ({"login": "a"}, {"password"}),
        ({"password": "x"}, {"login"}),
        ({"login": ["a"], "password": {"x": 1}}, {"login", "password"}),
    ],
)
def test_login_with_missing_or_mistyped_fields_returns_400(api, payload, fields):
    body = assert_problem(api.post(URL, payload, format="json"), 400, "validation_error")

    assert set(body["errors"]) == fields
