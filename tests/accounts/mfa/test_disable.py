"""DELETE /mfa/totp: turning TOTP off needs a fresh second factor, and takes the recovery
codes with it."""

import pytest

from accounts.mfa.models import MfaChallenge, RecoveryCode, TotpDevice
from tests.accounts.mfa.helpers import MFA, TOTP, enrol, enrol_begin, password_login
from tests.factories import UserFactory
from tests.problem import assert_problem
from tests.tokens import bearer, claims_of, issue_pair

pytestmark = pytest.mark.django_db


def _disable(api, user, **factor):
    return api.delete(TOTP, factor, format="json", **bearer(user.enrolment.access))


@pytest.mark.parametrize(
    "factor",
    [
        lambda enrolment: {"code": enrolment.authenticator.fresh_code()},
        lambda enrolment: {"recovery_code": enrolment.recovery_codes[3]},
    ],
    ids=["totp-code", "recovery-code"],
)
def test_a_fresh_factor_turns_totp_and_the_recovery_codes_off(api, alice, factor):
    # given a pending login too
    password_login(api, alice)

    # when
    response = _disable(api, alice, **factor(alice.enrolment))

    # then nothing of the second factor is left, and the password alone logs in again
    assert response.status_code == 204, response.content
    assert response.content == b""
    assert not TotpDevice.objects.filter(user=alice).exists()
    assert not RecoveryCode.objects.filter(user=alice).exists()
    assert not MfaChallenge.objects.filter(user=alice).exists()
    assert api.get(MFA, **bearer(alice.enrolment.access)).json() == {
        "totp": {"enabled": False, "confirmed_at": None},
        "recovery_codes": {"remaining": 0},
    }
    login = password_login(api, alice)
    assert login.status_code == 200, login.content
    assert claims_of(login.json()["access"])["amr"] == ["pwd"]


@pytest.mark.parametrize(
    "factor",
    [
        lambda enrolment: {"code": enrolment.authenticator.wrong_code()},
        lambda enrolment: {"recovery_code": "0000-0000-0000-0000"},
    ],
    ids=["wrong-code", "wrong-recovery-code"],
)
def test_a_wrong_factor_is_refused_and_keeps_totp_on(api, alice, factor):
    response = _disable(api, alice, **factor(alice.enrolment))

    assert_problem(response, 400, "mfa_code_invalid")
    assert TotpDevice.objects.get(user=alice).confirmed is True
    assert RecoveryCode.objects.filter(user=alice).count() == 10


@pytest.mark.parametrize(
    "factor",
    [{}, {"code": "123456", "recovery_code": "abcd-efgh-jkmn-pqrs"}],
    ids=["neither", "both"],
)
def test_exactly_one_factor_must_be_sent(api, alice, factor):
    response = _disable(api, alice, **factor)

    body = assert_problem(response, 400, "validation_error")
    assert list(body["errors"]) == ["non_field_errors"]
    assert TotpDevice.objects.filter(user=alice).exists()


def test_turning_off_totp_that_is_not_on_is_a_conflict(api):
    user = UserFactory()
    access = issue_pair(user)["access"]

    response = api.delete(TOTP, {"code": "123456"}, format="json", **bearer(access))

    assert_problem(response, 409, "conflict")


def test_a_pending_enrolment_is_not_on_and_cannot_be_turned_off(api):
    user = UserFactory()
    access = issue_pair(user)["access"]
    assert enrol_begin(api, user, access).status_code == 200

    response = api.delete(TOTP, {"code": "123456"}, format="json", **bearer(access))

    assert_problem(response, 409, "conflict")


def test_after_turning_it_off_totp_can_be_enrolled_again_with_a_new_secret(api, alice):
    assert _disable(api, alice, code=alice.enrolment.authenticator.fresh_code()).status_code == 204

    again = enrol(api, alice)

    assert again.secret != alice.enrolment.secret
    assert not set(again.recovery_codes) & set(alice.enrolment.recovery_codes)
