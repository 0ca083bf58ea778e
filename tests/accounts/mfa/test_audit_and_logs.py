"""Every second-factor event leaves an audit row, and no secret, code or mfa_token
reaches a log or an audit row."""

import logging
import re

import pytest

from accounts.models import AuditLog
from tests.accounts.mfa.helpers import (
    CONFIRM,
    RECOVERY_CODES,
    TOTP,
    Authenticator,
    enrol_begin,
    login_mfa,
    mfa_token_of,
)
from tests.factories import UserFactory
from tests.logcapture import capture_logs
from tests.tokens import bearer, issue_pair

pytestmark = pytest.mark.django_db


def _whole_lifecycle(api, user) -> dict:
    """Enrol (a wrong code first), log in with a code, a wrong code and a recovery code,
    regenerate the codes, turn TOTP off; every secret seen on the way."""
    access = issue_pair(user)["access"]
    bad_begin = api.post(
        TOTP, {"current_password": "Not-the-password-1"}, format="json", **bearer(access)
    )
    secret = enrol_begin(api, user, access).json()["secret"]
    authenticator = Authenticator(secret)
    wrong = authenticator.wrong_code()
    api.post(CONFIRM, {"code": wrong}, format="json", **bearer(access))
    confirm_code = authenticator.fresh_code()
    confirmed = api.post(CONFIRM, {"code": confirm_code}, format="json", **bearer(access)).json()
    access = confirmed["access"]
    token = mfa_token_of(api, user)
    login_mfa(api, token, code=wrong)
    login_code = authenticator.fresh_code()
    assert login_mfa(api, token, code=login_code).status_code == 200
    recovery_token = mfa_token_of(api, user)
    recovery_code = confirmed["recovery_codes"][0]
    assert login_mfa(api, recovery_token, recovery_code=recovery_code).status_code == 200
    regenerate_code = authenticator.fresh_code()
    new_codes = api.post(
        RECOVERY_CODES, {"code": regenerate_code}, format="json", **bearer(access)
    ).json()
    assert (
        api.delete(
            TOTP, {"recovery_code": new_codes["recovery_codes"][0]}, format="json", **bearer(access)
        ).status_code
        == 204
    )
    assert bad_begin.status_code == 400
    return {
        "secret": secret,
        "codes": [confirm_code, login_code, regenerate_code],
        "recovery_codes": confirmed["recovery_codes"] + new_codes["recovery_codes"],
        "mfa_tokens": [token, recovery_token],
    }


def test_each_second_factor_event_is_audited(api):
    # given / when
    user = UserFactory()
    _whole_lifecycle(api, user)

    # then, oldest first
    rows = AuditLog.objects.filter(user=user).exclude(
        action__in=["login_succeeded", "token_refreshed"]
    )
    trail = [(row.action, row.status, row.details) for row in reversed(rows)]
    assert trail == [
        ("mfa_enabled", "failure", {"reason": "wrong_current_password"}),
        ("mfa_failed", "failure", {"method": "totp"}),
        ("mfa_enabled", "success", {}),
        ("mfa_failed", "failure", {"method": "totp"}),
        ("recovery_code_used", "success", {}),
        ("recovery_codes_regenerated", "success", {}),
        ("recovery_code_used", "success", {}),
        ("mfa_disabled", "success", {}),
    ]
    logins = AuditLog.objects.filter(user=user, action="login_succeeded").order_by("id")
    assert [row.details for row in logins] == [
        {"amr": ["pwd", "otp", "mfa"]},
        {"amr": ["pwd", "mfa", "recovery_code"]},
    ]


def test_no_secret_code_or_mfa_token_reaches_a_log_or_the_audit_trail(api, caplog):
    # given an account, and every log record at DEBUG captured twice: as the records
    # Python logging saw, and as the configured handlers wrote them
    user = UserFactory()
    caplog.set_level(logging.DEBUG)

    # when the whole lifecycle runs, wrong inputs included
    with capture_logs(level=logging.DEBUG) as logs:
        seen = _whole_lifecycle(api, user)

    # then the paths were really logged, and nothing secret was
    assert logs.records(), "nothing was captured: the test would prove nothing"
    trail = str(list(AuditLog.objects.values()))
    secrets = [seen["secret"], *seen["recovery_codes"], *seen["mfa_tokens"]]
    for text in (logs.text, caplog.text, trail):
        assert not [secret for secret in secrets if secret in text]
        # Six digits turn up inside ids and timestamps by chance: a code only on its own.
        assert not [code for code in seen["codes"] if _standalone(code, text)]


def _standalone(code: str, text: str) -> bool:
    return re.search(rf"(?<![0-9A-Za-z.]){code}(?![0-9A-Za-z])", text) is not None
