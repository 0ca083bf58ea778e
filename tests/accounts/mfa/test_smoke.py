import pytest

from tests.accounts.mfa.helpers import LOGIN_MFA, MFA, code_at, enrol, mfa_token_of
from tests.factories import UserFactory
from tests.tokens import bearer, claims_of

pytestmark = pytest.mark.django_db


def test_enrol_then_login_with_a_code(api):
    user = UserFactory()
    enrolled = enrol(api, user)
    assert len(enrolled["recovery_codes"]) == 10
    assert claims_of(enrolled["access"])["amr"] == ["pwd", "otp", "mfa"]
    status = api.get(MFA, **bearer(enrolled["access"])).json()
    assert status["totp"]["enabled"] is True
    assert status["recovery_codes"]["remaining"] == 10
    token = mfa_token_of(api, user)
    response = api.post(
        LOGIN_MFA, {"mfa_token": token, "code": code_at(enrolled["secret"])}, format="json"
    )
    assert response.status_code == 200, response.content
    assert claims_of(response.json()["access"])["amr"] == ["pwd", "otp", "mfa"]
