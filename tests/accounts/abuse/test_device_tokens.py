"""Device tokens: a client that logged in before is not locked out by strangers' guesses
(OWASP "Slow Down Online Guessing Attacks with Device Cookies")."""

import time

import pytest
from django.core import signing

from accounts.login.devices import DEVICE_TOKEN_SALT
from accounts.login.lockout import user_lockout_key
from accounts.models import LoginLockout
from tests.factories import UserFactory
from tests.problem import assert_problem

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
WRONG = "Wrong-password-1"


@pytest.fixture(autouse=True)
def _rate_limit_out_of_the_way(settings):
    settings.AUTH_LOGIN_RATE = "1000/h"


def _login(api, login, password=WRONG, device_token=None, **extra):
    body = {"login": login, "password": password}
    if device_token is not None:
        body["device_token"] = device_token
    return api.post(LOGIN, body, format="json", **extra)


def _device_token(api, user) -> str:
    response = _login(api, user.username, user.raw_password)
    assert response.status_code == 200
    return response.json()["device_token"]


def _locked_by_strangers(api, user, times=5):
    assert [_login(api, user.username).status_code for _ in range(times)] == [401] * times


def test_a_login_hands_out_a_signed_device_token_bound_to_the_account(api):
    alice = UserFactory(username="alice")

    token = _device_token(api, alice)

    payload = signing.loads(token, salt=DEVICE_TOKEN_SALT)
    assert payload["u"] == str(alice.pk) and len(payload["d"]) == 16
    assert _device_token(api, alice) != token  # a new device id each time


def test_a_trusted_device_logs_in_while_strangers_have_locked_the_account(api):
    alice = UserFactory(username="alice")
    token = _device_token(api, alice)
    _locked_by_strangers(api, alice)

    untrusted = _login(api, "alice", alice.raw_password)
    trusted = _login(api, "ALICE", alice.raw_password, device_token=token)

    assert_problem(untrusted, 423, "account_locked")
    assert trusted.status_code == 200
    assert trusted.json()["user"]["username"] == "alice"


def test_a_trusted_devices_own_failures_lock_only_that_device(api):
    alice = UserFactory(username="alice")
    token = _device_token(api, alice)

    mine = [_login(api, "alice", device_token=token).status_code for _ in range(5)]
    device_locked = _login(api, "alice", alice.raw_password, device_token=token)
    elsewhere = _login(api, "alice", alice.raw_password)

    assert mine == [401] * 5
    body = assert_problem(device_locked, 423, "account_locked")
    assert "Retry-After" in device_locked
    assert body["code"] == "account_locked"
    assert elsewhere.status_code == 200  # the account's own count saw none of them


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        signing.dumps({"u": "00000000-0000-0000-0000-000000000000", "d": "A" * 16}, salt="x"),
        "",
    ],
    ids=["garbage", "other_salt", "empty"],
)
def test_a_token_that_is_not_ours_is_an_untrusted_client(api, token):
    alice = UserFactory(username="alice")
    _locked_by_strangers(api, alice)

    assert_problem(
        _login(api, "alice", alice.raw_password, device_token=token), 423, "account_locked"
    )


def test_another_accounts_device_token_does_not_trust_this_one(api):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    bobs_token = _device_token(api, bob)
    _locked_by_strangers(api, alice)

    response = _login(api, "alice", alice.raw_password, device_token=bobs_token)

    assert_problem(response, 423, "account_locked")


class _SignedAnHourAgo(signing.TimestampSigner):
    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time()) - 3600)


def test_an_expired_device_token_is_an_untrusted_client(api, settings):
    alice = UserFactory(username="alice")
    token = _SignedAnHourAgo(salt=DEVICE_TOKEN_SALT).sign_object(
        {"u": str(alice.pk), "d": "B" * 16}
    )
    _locked_by_strangers(api, alice)
    settings.AUTH_DEVICE_TOKEN_TTL_SECONDS = 3599
    response = _login(api, "alice", alice.raw_password, device_token=token)

    assert_problem(response, 423, "account_locked")


def test_a_success_clears_the_account_and_its_devices_counts(api):
    alice = UserFactory(username="alice")
    token = _device_token(api, alice)
    _login(api, "alice", device_token=token)
    _login(api, "alice")
    assert LoginLockout.objects.count() == 2

    assert _login(api, "alice", alice.raw_password).status_code == 200

    assert not LoginLockout.objects.filter(key__startswith=user_lockout_key(alice)).exists()


def test_a_device_token_must_be_a_string_of_bounded_length(api):
    UserFactory(username="alice")

    for bad in (["a list"], {"an": "object"}, "x" * 513):
        body = assert_problem(_login(api, "alice", device_token=bad), 400, "validation_error")
        assert "device_token" in body["errors"]


def test_in_cookie_mode_the_device_token_is_an_httponly_cookie_for_the_login_path(api, settings):
    settings.AUTH_REFRESH_COOKIE = True
    settings.AUTH_REFRESH_COOKIE_SECURE = True
    alice = UserFactory(username="alice")

    response = _login(api, "alice", alice.raw_password)
    cookie = response.cookies["__Secure-authsvc_device"]
    api.cookies.pop("__Secure-authsvc_device")  # strangers have no such cookie
    _locked_by_strangers(api, alice)
    without = _login(api, "alice", alice.raw_password)
    api.cookies["__Secure-authsvc_device"] = cookie.value
    with_cookie = _login(api, "alice", alice.raw_password)

    assert "device_token" not in response.json()
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Strict"
    assert cookie["path"] == LOGIN
    assert_problem(without, 423, "account_locked")
    assert with_cookie.status_code == 200


def test_the_admin_shows_a_trusted_devices_failures_among_the_accounts_attempts(api, boss_client):
    alice = UserFactory(username="alice")
    token = _device_token(api, alice)
    _login(api, "alice", device_token=token)
    _login(api, "alice")

    html = boss_client.get(f"/admin/accounts/user/{alice.pk}/change/").content.decode()

    assert html.count("— failed —") == 2
