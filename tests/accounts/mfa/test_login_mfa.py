"""The login's second stage: POST /login answers mfa_required, POST /login/mfa trades the
mfa_token and a second factor for tokens whose amr says what was proved."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.mfa.models import MfaChallenge
from accounts.mfa.selectors import secret_digest
from tests.accounts.mfa.helpers import (
    AMR_RECOVERY_CODE,
    AMR_TOTP,
    LOGIN_MFA,
    MFA,
    REFRESH,
    SESSIONS,
    TOTP,
    login_mfa,
    mfa_token_of,
    password_login,
)
from tests.factories import UserFactory
from tests.problem import assert_problem
from tests.tokens import bearer, claims_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def more_tries_than_a_token_allows(settings):
    """The account's lockout must not be what stops a test about one mfa_token's tries."""
    settings.AXES_FAILURE_LIMIT = 20


def test_the_right_password_of_an_mfa_account_issues_no_tokens_but_an_mfa_token(api, alice):
    response = password_login(api, alice)

    body = assert_problem(response, 401, "mfa_required")
    assert isinstance(body["mfa_token"], str)
    assert len(body["mfa_token"]) >= 40
    assert body["methods"] == ["totp", "recovery_code"]
    assert not {"access", "refresh"} & set(body)
    assert "refresh" not in response.cookies


def test_the_mfa_token_is_stored_as_a_digest_that_lives_the_configured_ttl(api, alice, settings):
    settings.AUTH_MFA_TOKEN_TTL = 120

    token = mfa_token_of(api, alice)

    challenge = MfaChallenge.objects.get(user=alice)
    assert challenge.token_hash == secret_digest(token) != token
    assert challenge.expires_at - challenge.created_at == timedelta(seconds=120)


def test_a_wrong_password_of_an_mfa_account_is_invalid_credentials_and_no_mfa_token(api, alice):
    response = password_login(api, alice, "Wrong-password-1")

    body = assert_problem(response, 401, "invalid_credentials")
    assert "mfa_token" not in body
    assert not MfaChallenge.objects.exists()


def test_login_with_a_totp_code_answers_tokens_with_the_otp_amr(api, alice):
    token = mfa_token_of(api, alice)

    response = login_mfa(api, token, code=alice.enrolment.authenticator.fresh_code())

    assert response.status_code == 200, response.content
    body = response.json()
    assert {"access", "refresh", "token_type", "expires_in"} <= set(body)
    assert response["Cache-Control"] == "no-store"
    assert claims_of(body["access"])["amr"] == AMR_TOTP
    assert claims_of(body["access"])["sub"] == str(alice.pk)
    assert MfaChallenge.objects.get().used_at is not None


def test_login_with_a_recovery_code_answers_tokens_with_the_recovery_code_amr(api, alice):
    token = mfa_token_of(api, alice)

    response = login_mfa(api, token, recovery_code=alice.enrolment.recovery_codes[0])

    assert response.status_code == 200, response.content
    access = response.json()["access"]
    assert claims_of(access)["amr"] == AMR_RECOVERY_CODE
    assert api.get(MFA, **bearer(access)).json()["recovery_codes"] == {"remaining": 9}


def test_a_recovery_code_is_accepted_in_any_case_without_dashes_and_with_look_alikes(api, alice):
    # given a code as someone might copy it by hand: upper case, spaced, O for 0, L for 1
    code = alice.enrolment.recovery_codes[0]
    typed = " ".join(code.replace("-", "")).upper().replace("0", "O").replace("1", "L")

    # when
    response = login_mfa(api, mfa_token_of(api, alice), recovery_code=typed)

    # then
    assert response.status_code == 200, response.content


def test_a_recovery_code_works_once(api, alice):
    code = alice.enrolment.recovery_codes[0]
    assert login_mfa(api, mfa_token_of(api, alice), recovery_code=code).status_code == 200

    again = login_mfa(api, mfa_token_of(api, alice), recovery_code=code)

    assert_problem(again, 401, "mfa_code_invalid")


@pytest.mark.parametrize(
    "factor",
    [
        lambda enrolment: {"code": enrolment.authenticator.wrong_code()},
        lambda enrolment: {"code": "12345a"},
        lambda enrolment: {"recovery_code": "0000-0000-0000-0000"},
        lambda enrolment: {"recovery_code": enrolment.authenticator.fresh_code()},
        # a recovery code where a TOTP code belongs, and the other way round
        lambda enrolment: {"code": enrolment.recovery_codes[0]},
    ],
    ids=["wrong-code", "not-digits", "wrong-recovery-code", "code-as-recovery-code", "swapped"],
)
def test_a_wrong_factor_is_mfa_code_invalid_and_issues_nothing(api, alice, factor):
    token = mfa_token_of(api, alice)

    response = login_mfa(api, token, **factor(alice.enrolment))

    body = assert_problem(response, 401, "mfa_code_invalid")
    assert not {"access", "refresh"} & set(body)
    assert MfaChallenge.objects.get().used_at is None


def test_the_mfa_token_still_works_after_a_wrong_code(api, alice):
    token = mfa_token_of(api, alice)
    assert_problem(
        login_mfa(api, token, code=alice.enrolment.authenticator.wrong_code()),
        401,
        "mfa_code_invalid",
    )

    response = login_mfa(api, token, code=alice.enrolment.authenticator.fresh_code())

    assert response.status_code == 200, response.content


def test_a_used_mfa_token_is_token_invalid(api, alice):
    token = mfa_token_of(api, alice)
    assert login_mfa(api, token, recovery_code=alice.enrolment.recovery_codes[0]).status_code == 200

    again = login_mfa(api, token, recovery_code=alice.enrolment.recovery_codes[1])

    assert_problem(again, 401, "token_invalid")


def test_an_unknown_mfa_token_is_token_invalid(api, alice):
    response = login_mfa(api, "not-a-token", code=alice.enrolment.authenticator.fresh_code())

    assert_problem(response, 401, "token_invalid")


def test_an_expired_mfa_token_is_token_invalid(api, alice):
    # given a token whose AUTH_MFA_TOKEN_TTL has just run out
    token = mfa_token_of(api, alice)
    MfaChallenge.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    # when
    response = login_mfa(api, token, recovery_code=alice.enrolment.recovery_codes[0])

    # then, and the recovery code was not spent on it
    assert_problem(response, 401, "token_invalid")
    assert (
        login_mfa(
            api, mfa_token_of(api, alice), recovery_code=alice.enrolment.recovery_codes[0]
        ).status_code
        == 200
    )


def test_an_mfa_token_dies_when_mfa_is_turned_off(api, alice):
    # given a pending login, then TOTP turned off from a logged-in session
    token = mfa_token_of(api, alice)
    off = api.delete(
        TOTP,
        {"recovery_code": alice.enrolment.recovery_codes[0]},
        format="json",
        **bearer(alice.enrolment.access),
    )
    assert off.status_code == 204, off.content

    # when the pending login goes on
    response = login_mfa(api, token, recovery_code=alice.enrolment.recovery_codes[1])

    # then
    assert_problem(response, 401, "token_invalid")


def test_an_mfa_token_of_a_deactivated_account_is_token_invalid(api, alice):
    token = mfa_token_of(api, alice)
    alice.is_active = False
    alice.save(update_fields=["is_active"])

    response = login_mfa(api, token, code=alice.enrolment.authenticator.fresh_code())

    assert_problem(response, 401, "token_invalid")


@pytest.mark.usefixtures("more_tries_than_a_token_allows")
def test_one_mfa_token_allows_five_codes_and_the_sixth_is_refused_even_when_right(api, alice):
    # given five wrong codes on one mfa_token
    token = mfa_token_of(api, alice)
    authenticator = alice.enrolment.authenticator
    for _ in range(5):
        assert_problem(
            login_mfa(api, token, code=authenticator.wrong_code()), 401, "mfa_code_invalid"
        )

    # when the sixth is the right one
    sixth = login_mfa(api, token, code=authenticator.fresh_code())

    # then the token is used up, though a new login may still succeed
    assert_problem(sixth, 401, "token_invalid")
    assert MfaChallenge.objects.get().tries == 5
    assert (
        login_mfa(api, mfa_token_of(api, alice), code=authenticator.fresh_code()).status_code == 200
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"mfa_token": "t", "code": "123456", "recovery_code": "abcd-efgh-jkmn-pqrs"},
        {"mfa_token": "t"},
        {"code": "123456"},
        {"mfa_token": "t", "code": "1" * 65},
    ],
    ids=["both-factors", "no-factor", "no-mfa-token", "code-too-long"],
)
def test_malformed_second_stage_bodies_are_validation_errors(api, payload):
    response = api.post(LOGIN_MFA, payload, format="json")

    body = assert_problem(response, 400, "validation_error")
    assert body["errors"]


def test_the_amr_survives_a_refresh_and_shows_in_the_sessions_list(api, alice):
    # given one session from a TOTP login and one from a recovery code login
    by_code = login_mfa(
        api, mfa_token_of(api, alice), code=alice.enrolment.authenticator.fresh_code()
    ).json()
    by_recovery = login_mfa(
        api, mfa_token_of(api, alice), recovery_code=alice.enrolment.recovery_codes[0]
    ).json()

    # when both are refreshed
    refreshed = api.post(REFRESH, {"refresh": by_code["refresh"]}, format="json")
    refreshed_recovery = api.post(REFRESH, {"refresh": by_recovery["refresh"]}, format="json")

    # then the new tokens say what the login proved
    assert refreshed.status_code == refreshed_recovery.status_code == 200
    assert claims_of(refreshed.json()["access"])["amr"] == AMR_TOTP
    assert claims_of(refreshed.json()["refresh"])["amr"] == AMR_TOTP
    assert claims_of(refreshed_recovery.json()["access"])["amr"] == AMR_RECOVERY_CODE
    # and so does the sessions list (with the enrolment's own session)
    listed = api.get(SESSIONS, **bearer(refreshed.json()["access"])).json()["sessions"]
    amrs = {item["id"]: item["amr"] for item in listed}
    assert amrs == {
        claims_of(alice.enrolment.access)["sid"]: AMR_TOTP,
        claims_of(by_code["access"])["sid"]: AMR_TOTP,
        claims_of(by_recovery["access"])["sid"]: AMR_RECOVERY_CODE,
    }


def test_an_account_without_mfa_logs_in_with_the_password_alone(api):
    user = UserFactory()

    response = password_login(api, user)

    assert response.status_code == 200
    assert claims_of(response.json()["access"])["amr"] == ["pwd"]
