"""The passkey ceremonies through the API, for tests: each step as a client app runs it.

TOTP is turned on through the API too, with codes from pyotp (an RFC 6238 implementation
independent of the service's); kept here rather than borrowed from tests/accounts/mfa so
these tests depend only on the API's contract.
"""

import time

import pyotp

from tests.accounts.passkeys.authenticator import SoftAuthenticator
from tests.tokens import bearer, issue_pair

PASSKEYS = "/api/v1/auth/passkeys"
REGISTER_OPTIONS = "/api/v1/auth/passkeys/register/options"
REGISTER_VERIFY = "/api/v1/auth/passkeys/register/verify"
LOGIN_OPTIONS = "/api/v1/auth/passkeys/login/options"
LOGIN_VERIFY = "/api/v1/auth/passkeys/login/verify"
MFA_PASSKEY_OPTIONS = "/api/v1/auth/login/mfa/passkey/options"
LOGIN = "/api/v1/auth/login"
LOGIN_MFA = "/api/v1/auth/login/mfa"


def auth_of(user) -> dict:
    return bearer(issue_pair(user)["access"])


def register_options(api, user) -> dict:
    response = api.post(REGISTER_OPTIONS, format="json", **auth_of(user))
    assert response.status_code == 200, response.content
    return response.json()


def register(api, user, authenticator: SoftAuthenticator | None = None, **create) -> dict:
    """Register a passkey of ``authenticator`` (a new one by default) for ``user``; the
    response body, with the authenticator under "authenticator"."""
    authenticator = authenticator or SoftAuthenticator()
    started = register_options(api, user)
    response = api.post(
        REGISTER_VERIFY,
        {
            "challenge_id": started["challenge_id"],
            "credential": authenticator.create(started["options"], **create),
            "name": "Laptop",
        },
        format="json",
        **auth_of(user),
    )
    assert response.status_code == 201, response.content
    return {**response.json(), "authenticator": authenticator}


def login_options(api) -> dict:
    response = api.post(LOGIN_OPTIONS, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def login_verify(api, started: dict, credential: dict):
    return api.post(
        LOGIN_VERIFY,
        {"challenge_id": started["challenge_id"], "credential": credential},
        format="json",
    )


def login(api, authenticator: SoftAuthenticator, **get):
    """A whole usernameless login; the verify response."""
    started = login_options(api)
    return login_verify(api, started, authenticator.get(started["options"], **get))


def mfa_options(api, mfa_token: str):
    """POST /login/mfa/passkey/options for the pending login of ``mfa_token``; the response."""
    return api.post(MFA_PASSKEY_OPTIONS, {"mfa_token": mfa_token}, format="json")


def mfa_answer(api, mfa_token: str, started: dict, credential: dict):
    """POST /login/mfa with a passkey assertion for the options ``started``; the response."""
    return api.post(
        LOGIN_MFA,
        {"mfa_token": mfa_token, "challenge_id": started["challenge_id"], "credential": credential},
        format="json",
    )


def totp_code(secret: str, *, steps: int = 0) -> str:
    """The code of ``secret`` ``steps`` 30-second steps from now."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


def totp_enable(api, user) -> str:
    """Turn TOTP on for ``user``; its secret. Confirmed with the previous step's code
    (within the accepted skew), so a login right after can use the current one."""
    auth = auth_of(user)
    started = api.post(
        "/api/v1/auth/mfa/totp", {"current_password": user.raw_password}, format="json", **auth
    )
    assert started.status_code == 200, started.content
    secret = started.json()["secret"]
    confirmed = api.post(
        "/api/v1/auth/mfa/totp/confirm",
        {"code": totp_code(secret, steps=-1)},
        format="json",
        **auth,
    )
    assert confirmed.status_code == 200, confirmed.content
    return secret


def mfa_token_of(api, user) -> str:
    """Log ``user`` in with the password; the ``mfa_token`` of the 401 mfa_required."""
    response = api.post(
        LOGIN, {"login": user.username, "password": user.raw_password}, format="json"
    )
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "mfa_required"
    return response.json()["mfa_token"]
