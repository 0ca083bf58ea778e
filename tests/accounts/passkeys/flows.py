"""The passkey ceremonies through the API, for tests: each step as a client app runs it."""

from tests.accounts.passkeys.authenticator import SoftAuthenticator
from tests.tokens import bearer, issue_pair

PASSKEYS = "/api/v1/auth/passkeys"
REGISTER_OPTIONS = "/api/v1/auth/passkeys/register/options"
REGISTER_VERIFY = "/api/v1/auth/passkeys/register/verify"
LOGIN_OPTIONS = "/api/v1/auth/passkeys/login/options"
LOGIN_VERIFY = "/api/v1/auth/passkeys/login/verify"
MFA_PASSKEY_OPTIONS = "/api/v1/auth/login/mfa/passkey/options"


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
