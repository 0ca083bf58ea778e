"""A password reset proves the mailbox, not the second factor: it leaves MFA on."""

import pytest

from accounts.recovery.models import TokenPurpose
from accounts.recovery.services import token_issue
from tests.accounts.mfa.helpers import MFA, enrol, login_mfa
from tests.factories import UserFactory
from tests.problem import assert_problem
from tests.tokens import bearer, claims_of

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Fresh-Lantern-73-orbit"


def test_after_a_password_reset_login_still_asks_for_the_second_factor(api):
    # given an account with TOTP on, and a reset token as the mail would carry it
    user = UserFactory(username="alice", email="alice@example.com")
    enrolment = enrol(api, user)
    reset_token = token_issue(user=user, purpose=TokenPurpose.PASSWORD_RESET, ttl_seconds=600)

    # when the password is reset, then used to log in
    reset = api.post(
        "/api/v1/auth/password/reset/confirm",
        {"token": reset_token, "new_password": NEW_PASSWORD},
        format="json",
    )
    login = api.post(
        "/api/v1/auth/login", {"login": "alice", "password": NEW_PASSWORD}, format="json"
    )

    # then the new password is only the first factor
    assert reset.status_code == 204, reset.content
    body = assert_problem(login, 401, "mfa_required")
    assert body["methods"] == ["totp", "recovery_code"]
    done = login_mfa(api, body["mfa_token"], code=enrolment.authenticator.fresh_code())
    assert done.status_code == 200, done.content
    assert claims_of(done.json()["access"])["amr"] == ["pwd", "otp", "mfa"]
    status = api.get(MFA, **bearer(done.json()["access"])).json()
    assert status["totp"]["enabled"] is True
    assert status["recovery_codes"] == {"remaining": 10}
