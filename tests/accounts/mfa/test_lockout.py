"""The second factor and the account lockout: the password step of an MFA login counts and
resets nothing, every wrong code counts like a wrong password, and only a whole login's
success resets the count. Six digits are guessable; the lockout is what stops it."""

import pytest

from accounts.models import AuditLog, LoginLockout
from tests.accounts.mfa.helpers import (
    TOTP,
    login_mfa,
    mfa_token_of,
    password_login,
)
from tests.problem import assert_problem
from tests.tokens import bearer

pytestmark = pytest.mark.django_db

WRONG = "Wrong-password-1"


def _attempts(user) -> int:
    row = LoginLockout.objects.filter(key=user.username.lower()).first()
    return row.attempts if row is not None else 0


def test_the_right_password_of_an_mfa_account_counts_nothing(api, alice):
    mfa_token_of(api, alice)

    assert _attempts(alice) == 0


def test_the_password_step_does_not_reset_earlier_failures(api, alice):
    # given two wrong passwords
    for _ in range(2):
        assert_problem(password_login(api, alice, WRONG), 401, "invalid_credentials")

    # when the right one opens the second stage
    mfa_token_of(api, alice)

    # then the login is not over: the failures stand
    assert _attempts(alice) == 2


def test_each_wrong_code_counts_one_failure(api, alice):
    token = mfa_token_of(api, alice)

    for expected in (1, 2):
        login_mfa(api, token, code=alice.enrolment.authenticator.wrong_code())
        assert _attempts(alice) == expected


def test_a_completed_mfa_login_resets_the_count(api, alice):
    # given failures of both kinds
    assert_problem(password_login(api, alice, WRONG), 401, "invalid_credentials")
    token = mfa_token_of(api, alice)
    login_mfa(api, token, code=alice.enrolment.authenticator.wrong_code())
    assert _attempts(alice) == 2

    # when the login completes
    response = login_mfa(api, token, code=alice.enrolment.authenticator.fresh_code())

    # then
    assert response.status_code == 200, response.content
    assert not LoginLockout.objects.filter(key="alice").exists()


def test_wrong_codes_across_mfa_tokens_lock_the_account_at_the_threshold(api, alice, settings):
    # given a threshold of five, and five wrong codes spread over two mfa tokens
    settings.AXES_FAILURE_LIMIT = 5
    authenticator = alice.enrolment.authenticator
    first, second = mfa_token_of(api, alice), mfa_token_of(api, alice)
    for token in (first, first, first, second, second):
        assert_problem(
            login_mfa(api, token, code=authenticator.wrong_code()), 401, "mfa_code_invalid"
        )

    # when the right code, and then the right password, come
    with_code = login_mfa(api, second, code=authenticator.fresh_code())
    with_password = password_login(api, alice)

    # then both are refused: the lock is the account's
    assert_problem(with_code, 423, "account_locked")
    assert 1 <= int(with_code["Retry-After"]) <= 1800
    assert_problem(with_password, 423, "account_locked")
    assert AuditLog.objects.filter(action="account_locked", user=alice).count() == 1


def test_wrong_passwords_and_wrong_codes_add_up_to_one_lock(api, alice, settings):
    # given a threshold of five: two wrong passwords, then three wrong codes
    settings.AXES_FAILURE_LIMIT = 5
    for _ in range(2):
        assert_problem(password_login(api, alice, WRONG), 401, "invalid_credentials")
    token = mfa_token_of(api, alice)
    for _ in range(3):
        login_mfa(api, token, code=alice.enrolment.authenticator.wrong_code())

    # when
    response = password_login(api, alice)

    # then
    assert_problem(response, 423, "account_locked")


def test_wrong_codes_to_turn_totp_off_lock_the_account_too(api, alice, settings):
    # given a threshold of three, and three wrong codes sent with a stolen access token
    settings.AXES_FAILURE_LIMIT = 3
    authenticator = alice.enrolment.authenticator
    for _ in range(3):
        response = api.delete(
            TOTP,
            {"code": authenticator.wrong_code()},
            format="json",
            **bearer(alice.enrolment.access),
        )
        assert_problem(response, 400, "mfa_code_invalid")

    # when the right code comes
    response = api.delete(
        TOTP, {"code": authenticator.fresh_code()}, format="json", **bearer(alice.enrolment.access)
    )

    # then the guessing is over for the lock's duration
    assert_problem(response, 423, "account_locked")
    assert_problem(password_login(api, alice), 423, "account_locked")
