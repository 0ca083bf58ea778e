"""A passkey as the second factor of a password login (accounts/mfa's second stage)."""

import pytest

from accounts.audit.models import AuditLog
from accounts.login.models import LoginLockout
from accounts.mfa.models import MfaChallenge
from tests.accounts.passkeys.authenticator import SoftAuthenticator
from tests.accounts.passkeys.flows import (
    LOGIN_MFA,
    login_options,
    mfa_answer,
    mfa_options,
    mfa_token_of,
    register,
    totp_code,
    totp_enable,
)
from tests.factories import UserFactory
from tests.problem import assert_problem
from tests.tokens import claims_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(api):
    """An account with a password, TOTP and a passkey."""
    user = UserFactory(username="alice")
    user.totp_secret = totp_enable(api, user)
    user.authenticator = register(api, user)["authenticator"]
    return user


def test_mfa_required_lists_passkey_when_the_account_has_one(api, alice):
    response = api.post(
        "/api/v1/auth/login", {"login": "alice", "password": alice.raw_password}, format="json"
    )

    body = assert_problem(response, 401, "mfa_required")
    assert body["methods"] == ["totp", "recovery_code", "passkey"]


def test_mfa_required_does_not_list_passkey_without_one(api):
    user = UserFactory()
    totp_enable(api, user)

    response = api.post(
        "/api/v1/auth/login", {"login": user.username, "password": user.raw_password}, format="json"
    )

    assert assert_problem(response, 401, "mfa_required")["methods"] == ["totp", "recovery_code"]


def test_the_options_allow_only_the_accounts_passkeys_and_use_no_try(api, alice):
    # given another account's passkey, and alice's second one
    register(api, UserFactory())
    second = register(api, alice)["authenticator"]
    mfa_token = mfa_token_of(api, alice)

    response = mfa_options(api, mfa_token)

    assert response.status_code == 200, response.content
    allowed = [item["id"] for item in response.json()["options"]["allowCredentials"]]
    assert allowed == [alice.authenticator.id, second.id]
    assert MfaChallenge.objects.get(user=alice).tries == 0


def test_a_passkey_completes_the_login_with_amr_pwd_hwk_mfa(api, alice):
    mfa_token = mfa_token_of(api, alice)
    started = mfa_options(api, mfa_token).json()

    response = mfa_answer(api, mfa_token, started, alice.authenticator.get(started["options"]))

    assert response.status_code == 200, response.content
    assert claims_of(response.json()["access"])["amr"] == ["pwd", "hwk", "mfa"]
    assert "device_token" in response.json()
    assert AuditLog.objects.filter(action="passkey_login", status="success").count() == 1
    # the mfa_token is used up
    again = mfa_answer(api, mfa_token, started, alice.authenticator.get(started["options"]))
    assert_problem(again, 401, "token_invalid")


def test_a_bad_assertion_is_mfa_code_invalid_and_counts_toward_the_lockout(api, alice):
    mfa_token = mfa_token_of(api, alice)
    started = mfa_options(api, mfa_token).json()
    impostor = SoftAuthenticator(credential_id=alice.authenticator.credential_id)

    response = mfa_answer(api, mfa_token, started, impostor.get(started["options"]))

    assert_problem(response, 401, "mfa_code_invalid")
    assert LoginLockout.objects.get(key="alice").attempts == 1
    row = AuditLog.objects.get(action="mfa_failed")
    assert row.details == {"method": "passkey"}
    assert MfaChallenge.objects.get(user=alice).tries == 1


def test_wrong_assertions_lock_the_account(api, alice, settings):
    settings.AXES_FAILURE_LIMIT = 2
    mfa_token = mfa_token_of(api, alice)
    impostor = SoftAuthenticator(credential_id=alice.authenticator.credential_id)
    for _ in range(2):
        started = mfa_options(api, mfa_token).json()
        mfa_answer(api, mfa_token, started, impostor.get(started["options"]))

    started = mfa_options(api, mfa_token).json()
    response = mfa_answer(api, mfa_token, started, alice.authenticator.get(started["options"]))

    assert_problem(response, 423, "account_locked")


def test_another_accounts_passkey_is_no_second_factor(api, alice):
    mallory = UserFactory()
    theirs = register(api, mallory)["authenticator"]
    mfa_token = mfa_token_of(api, alice)
    started = mfa_options(api, mfa_token).json()

    response = mfa_answer(api, mfa_token, started, theirs.get(started["options"]))

    assert_problem(response, 401, "mfa_code_invalid")


def test_a_challenge_of_another_pending_login_is_mfa_code_invalid(api, alice):
    first, second = mfa_token_of(api, alice), mfa_token_of(api, alice)
    started = mfa_options(api, first).json()

    response = mfa_answer(api, second, started, alice.authenticator.get(started["options"]))

    assert_problem(response, 401, "mfa_code_invalid")


def test_a_usernameless_login_challenge_is_no_second_factor(api, alice):
    mfa_token = mfa_token_of(api, alice)
    started = login_options(api)

    response = mfa_answer(api, mfa_token, started, alice.authenticator.get(started["options"]))

    assert_problem(response, 401, "mfa_code_invalid")


def test_a_second_factor_challenge_cannot_log_in_without_a_password(api, alice):
    started = mfa_options(api, mfa_token_of(api, alice)).json()

    response = api.post(
        "/api/v1/auth/passkeys/login/verify",
        {
            "challenge_id": started["challenge_id"],
            "credential": alice.authenticator.get(started["options"]),
        },
        format="json",
    )

    assert_problem(response, 400, "challenge_invalid")


def test_a_replayed_passkey_challenge_is_mfa_code_invalid(api, alice):
    mfa_token = mfa_token_of(api, alice)
    started = mfa_options(api, mfa_token).json()
    impostor = SoftAuthenticator(credential_id=alice.authenticator.credential_id)
    assert mfa_answer(api, mfa_token, started, impostor.get(started["options"])).status_code == 401

    response = mfa_answer(api, mfa_token, started, alice.authenticator.get(started["options"]))

    assert_problem(response, 401, "mfa_code_invalid")


@pytest.mark.parametrize("mfa_token", ["unknown-token", "used"])
def test_options_for_a_dead_mfa_token_are_token_invalid(api, alice, mfa_token):
    if mfa_token == "used":
        mfa_token = mfa_token_of(api, alice)
        code = totp_code(alice.totp_secret)
        assert (
            api.post(LOGIN_MFA, {"mfa_token": mfa_token, "code": code}, format="json").status_code
            == 200
        )

    assert_problem(mfa_options(api, mfa_token), 401, "token_invalid")


def test_options_for_an_account_without_a_passkey_are_409(api):
    user = UserFactory()
    totp_enable(api, user)

    assert_problem(mfa_options(api, mfa_token_of(api, user)), 409, "conflict")


def test_a_totp_code_still_works_next_to_the_passkey(api, alice):
    mfa_token = mfa_token_of(api, alice)

    response = api.post(
        LOGIN_MFA, {"mfa_token": mfa_token, "code": totp_code(alice.totp_secret)}, format="json"
    )

    assert response.status_code == 200, response.content
    assert claims_of(response.json()["access"])["amr"] == ["pwd", "otp", "mfa"]


@pytest.mark.parametrize(
    "factors",
    [
        {},
        {"code": "123456", "credential": {}},
        {
            "recovery_code": "x",
            "challenge_id": "5b0f3c1e-8a7d-4d2b-9c61-0e4f7a2b9d13",
            "credential": {},
        },
        {"credential": {"id": "x"}},
        {"challenge_id": "5b0f3c1e-8a7d-4d2b-9c61-0e4f7a2b9d13"},
        {"code": "123456", "challenge_id": "5b0f3c1e-8a7d-4d2b-9c61-0e4f7a2b9d13"},
    ],
    ids=[
        "none",
        "code and passkey",
        "recovery code and passkey",
        "no challenge",
        "no credential",
        "code and challenge",
    ],
)
def test_login_mfa_takes_exactly_one_factor(api, alice, factors):
    mfa_token = mfa_token_of(api, alice)

    response = api.post(LOGIN_MFA, {"mfa_token": mfa_token, **factors}, format="json")

    body = assert_problem(response, 400, "validation_error")
    assert list(body["errors"]) == ["non_field_errors"]
    assert MfaChallenge.objects.get(user=alice).tries == 0


def test_mfa_passkey_options_are_rate_limited(api, alice, settings):
    settings.AUTH_PASSKEY_RATE = "1/m"
    mfa_token = mfa_token_of(api, alice)
    assert mfa_options(api, mfa_token).status_code == 200

    assert_problem(mfa_options(api, mfa_token), 429, "rate_limited")
