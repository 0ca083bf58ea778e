"""POST /api/v1/auth/password/change: the register rules, and every other session ends."""

import logging

import pytest

from accounts.models import LoginSession, RevokeReason
from tests.factories import UserFactory
from tests.problem import assert_problem
from tests.tokens import bearer, claims_of, issue_pair

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/password/change"
ME = "/api/v1/auth/me"
REFRESH = "/api/v1/auth/token/refresh"
LOGIN = "/api/v1/auth/login"
NEW_PASSWORD = "Brand-New-Secret-42"


def _change(api, access, current, new=NEW_PASSWORD):
    return api.post(
        URL, {"current_password": current, "new_password": new}, format="json", **bearer(access)
    )


def test_password_change_revokes_every_other_session_at_once_and_keeps_this_one(api, caplog):
    # given a user logged in on two devices
    caplog.set_level(logging.INFO, logger="authsvc.audit")
    user = UserFactory()
    here, elsewhere = issue_pair(user), issue_pair(user)

    # when the password is changed from one of them
    response = _change(api, here["access"], user.raw_password)

    # then 204; the other device's access and refresh tokens stop at once; this one goes on
    assert response.status_code == 204
    assert_problem(api.get(ME, **bearer(elsewhere["access"])), 401, "token_invalid")
    assert_problem(
        api.post(REFRESH, {"refresh": elsewhere["refresh"]}, format="json"), 401, "token_invalid"
    )
    other = LoginSession.objects.get(id=claims_of(elsewhere["refresh"])["sid"])
    assert other.revoke_reason == RevokeReason.PASSWORD_CHANGED
    assert api.get(ME, **bearer(here["access"])).status_code == 200
    assert api.post(REFRESH, {"refresh": here["refresh"]}, format="json").status_code == 200
    assert "password_changed" in [
        r.audit_action for r in caplog.records if r.name == "authsvc.audit"
    ]


def test_password_change_replaces_the_password_for_login(api):
    user = UserFactory()
    _change(api, issue_pair(user)["access"], user.raw_password)

    old = api.post(LOGIN, {"login": user.username, "password": user.raw_password}, format="json")
    new = api.post(LOGIN, {"login": user.username, "password": NEW_PASSWORD}, format="json")

    assert_problem(old, 401, "invalid_credentials")
    assert new.status_code == 200


def test_wrong_current_password_returns_400_on_current_password_and_changes_nothing(api):
    user = UserFactory()
    here, elsewhere = issue_pair(user), issue_pair(user)

    response = _change(api, here["access"], "Not-The-Password-1")

    body = assert_problem(response, 400, "validation_error")
    assert list(body["errors"]) == ["current_password"]
    assert "Not-The-Password-1" not in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(user.raw_password)
    assert api.get(ME, **bearer(elsewhere["access"])).status_code == 200


@pytest.mark.parametrize("new", ["Sh0rt!x", "alllowercase1!", "qwertyuiop", "Password1!"])
def test_new_password_follows_the_register_rules(api, new):
    user = UserFactory()

    response = _change(api, issue_pair(user)["access"], user.raw_password, new)

    body = assert_problem(response, 400, "validation_error")
    assert list(body["errors"]) == ["new_password"]
    assert new not in response.content.decode()


def test_new_password_equal_to_the_current_one_is_refused(api):
    user = UserFactory()

    response = _change(api, issue_pair(user)["access"], user.raw_password, user.raw_password)

    assert list(assert_problem(response, 400, "validation_error")["errors"]) == ["new_password"]


def test_new_password_similar_to_the_username_is_refused(api):
    user = UserFactory(username="marguerite_1")

    response = _change(api, issue_pair(user)["access"], user.raw_password, "Marguerite_1!")

    assert list(assert_problem(response, 400, "validation_error")["errors"]) == ["new_password"]


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"current_password": "x"},
        {"new_password": "x"},
        {"current_password": "x", "new_password": "y" * 129},
    ],
)
def test_password_change_with_missing_or_oversized_fields_returns_validation_error(api, payload):
    access = issue_pair(UserFactory())["access"]

    response = api.post(URL, payload, format="json", **bearer(access))

    assert_problem(response, 400, "validation_error")


def test_password_is_not_trimmed(api):
    user = UserFactory()
    _change(api, issue_pair(user)["access"], user.raw_password, " " + NEW_PASSWORD + " ")

    user.refresh_from_db()
    assert user.check_password(" " + NEW_PASSWORD + " ")


def test_password_change_without_token_returns_not_authenticated(api):
    response = api.post(URL, {"current_password": "a", "new_password": "b"}, format="json")

    assert_problem(response, 401, "not_authenticated")


def test_password_change_attempts_are_rate_limited_before_any_hashing(api, settings):
    # given a stolen access token and a small per-IP budget
    settings.AUTH_LOGIN_RATE = "2/15m"
    access = issue_pair(UserFactory())["access"]

    # when the holder keeps guessing the current password
    guesses = [_change(api, access, f"Guess-number-{n}!") for n in range(3)]

    # then the third guess is refused as rate limited, with Retry-After
    assert [g.status_code for g in guesses[:2]] == [400, 400]
    assert_problem(guesses[2], 429, "rate_limited")
    assert int(guesses[2]["Retry-After"]) > 0
