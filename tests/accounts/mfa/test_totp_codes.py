"""TOTP as RFC 6238 says and no looser: SHA-1, 6 digits, 30-second steps, one step of skew
either way, each step accepted once; the secret sealed at rest.

Codes are computed by pyotp for explicit steps around a ``steady_step`` (one that will not
end during the request), so each test checks the step it means to.
"""

import pytest

from accounts.login.models import LoginLockout
from accounts.mfa.models import TotpDevice
from tests.accounts.mfa.helpers import enrol, login_mfa, mfa_token_of, steady_step
from tests.factories import UserFactory
from tests.problem import assert_problem
from tests.tokens import claims_of

pytestmark = pytest.mark.django_db


def _login_with_step(api, user, step: int):
    code = user.enrolment.authenticator.code_for_step(step)
    return login_mfa(api, mfa_token_of(api, user), code=code)


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_a_code_of_the_previous_current_or_next_step_is_accepted(api, alice, offset):
    # given a step that stays current for the request, and the steps around it unused
    # (enrolment used one: moving last_t back stands in for waiting a minute)
    now = steady_step()
    TotpDevice.objects.update(last_t=now - 2)

    response = _login_with_step(api, alice, now + offset)

    assert response.status_code == 200, response.content
    assert claims_of(response.json()["access"])["amr"] == ["pwd", "otp", "mfa"]
    assert TotpDevice.objects.get().last_t == now + offset


@pytest.mark.parametrize("offset", [-2, 2])
def test_a_code_two_steps_away_is_refused(api, alice, offset):
    now = steady_step()
    TotpDevice.objects.update(last_t=now - 3)

    response = _login_with_step(api, alice, now + offset)

    assert_problem(response, 401, "mfa_code_invalid")
    assert TotpDevice.objects.get().last_t == now - 3


def test_a_code_is_accepted_once(api, alice):
    # given a code that has just logged in
    code = alice.enrolment.authenticator.fresh_code()
    assert login_mfa(api, mfa_token_of(api, alice), code=code).status_code == 200

    # when it is replayed (say, by someone looking over the owner's shoulder)
    replay = login_mfa(api, mfa_token_of(api, alice), code=code)

    # then
    assert_problem(replay, 401, "mfa_code_invalid")


def test_after_a_later_steps_code_an_earlier_steps_code_is_refused(api, alice):
    # given the steps around now unused, then the next step's code used
    now = steady_step()
    TotpDevice.objects.update(last_t=now - 2)
    assert _login_with_step(api, alice, now + 1).status_code == 200

    # when the current step's code, never used, comes after it
    response = _login_with_step(api, alice, now)

    # then it is refused: it could have been seen before the later one was typed
    assert_problem(response, 401, "mfa_code_invalid")


def test_the_code_that_confirmed_enrolment_cannot_log_in(api):
    # given an enrolment confirmed with the current step's code
    user = UserFactory()
    enrolment = enrol(api, user)
    used_step = enrolment.authenticator.last_step
    assert TotpDevice.objects.get().last_t == used_step

    # when that code is sent again at login
    response = login_mfa(
        api, mfa_token_of(api, user), code=enrolment.authenticator.code_for_step(used_step)
    )

    # then
    assert_problem(response, 401, "mfa_code_invalid")


def test_the_secret_is_sealed_in_the_database(api, alice):
    device = TotpDevice.objects.get(user=alice)
    row = TotpDevice.objects.filter(pk=device.pk).values().get()

    assert alice.enrolment.secret not in device.sealed_key
    assert alice.enrolment.secret not in str(row)
    assert alice.enrolment.secret.lower() not in str(row).lower()


def test_a_secret_sealed_under_another_key_is_unavailable_not_a_wrong_code(api, alice, settings):
    # given the field encryption key replaced without keeping the old one for opening
    settings.AUTH_FIELD_ENCRYPTION_KEYS = ["another-field-encryption-key-of-32-chars-or-more"]

    # when
    response = login_mfa(
        api, mfa_token_of(api, alice), code=alice.enrolment.authenticator.fresh_code()
    )

    # then the operator's mistake is a 503, not a user's wrong code, and counts as no failure
    assert_problem(response, 503, "service_unavailable")
    assert not LoginLockout.objects.filter(attempts__gt=0).exists()
