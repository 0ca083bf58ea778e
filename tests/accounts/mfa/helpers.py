"""Enrolling a test user in TOTP through the API, and computing its codes with pyotp (an
RFC 6238 implementation independent of the service's)."""

import time

import pyotp

from tests.tokens import bearer, issue_pair

MFA = "/api/v1/auth/mfa"
TOTP = "/api/v1/auth/mfa/totp"
CONFIRM = "/api/v1/auth/mfa/totp/confirm"
RECOVERY_CODES = "/api/v1/auth/mfa/recovery-codes"
LOGIN = "/api/v1/auth/login"
LOGIN_MFA = "/api/v1/auth/login/mfa"


def code_at(secret: str, *, steps: int = 0) -> str:
    """The code of ``secret`` ``steps`` time steps from now."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


def enrol(api, user) -> dict:
    """Turn TOTP on for ``user``; the secret, the recovery codes and the new tokens.

    The code used to confirm is the next step's (within the skew), so a test that logs in
    right after can use the current step's code without it being a replay.
    """
    access = issue_pair(user)["access"]
    started = api.post(
        TOTP, {"current_password": user.raw_password}, format="json", **bearer(access)
    )
    assert started.status_code == 200, started.content
    secret = started.json()["secret"]
    confirmed = api.post(
        CONFIRM, {"code": code_at(secret, steps=-1)}, format="json", **bearer(access)
    )
    assert confirmed.status_code == 200, confirmed.content
    return {"secret": secret, **confirmed.json()}


def mfa_token_of(api, user) -> str:
    """Log ``user`` in with the password; the ``mfa_token`` of the 401 mfa_required."""
    response = api.post(
        LOGIN, {"login": user.username, "password": user.raw_password}, format="json"
    )
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "mfa_required"
    return response.json()["mfa_token"]
