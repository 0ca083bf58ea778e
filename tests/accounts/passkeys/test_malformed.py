"""Malformed passkey bodies are 400 validation_error, never a 500, and use up nothing."""

import copy
import random

import cbor2
import pytest

from accounts.mfa.models import MfaChallenge
from accounts.passkeys.models import PasskeyChallenge
from tests.accounts.passkeys.authenticator import SoftAuthenticator, b64url, unb64url
from tests.accounts.passkeys.flows import (
    LOGIN_MFA,
    MFA_PASSKEY_OPTIONS,
    REGISTER_VERIFY,
    auth_of,
    login_options,
    login_verify,
    mfa_token_of,
    register,
    register_options,
    totp_enable,
)
from tests.factories import UserFactory
from tests.problem import assert_problem

pytestmark = pytest.mark.django_db

NOT_BASE64 = "@@not*base64!!"


def _set(credential: dict, path: str, value) -> dict:
    """A copy of ``credential`` with the member at dotted ``path`` set (or removed)."""
    changed = copy.deepcopy(credential)
    *parents, last = path.split(".")
    target = changed
    for name in parents:
        target = target[name]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return changed


# (dotted member, value); ... removes it. Each breaks the JSON form's shape or encoding.
SHARED_BREAKAGES = [
    ("rawId", ...),
    ("rawId", 5),
    ("rawId", NOT_BASE64),
    ("rawId", "AAAAA"),  # 5 characters: no byte string encodes to that
    ("rawId", "ünïcode"),
    ("id", None),
    ("type", "password"),
    ("response", "text"),
    ("response.clientDataJSON", ...),
    ("response.clientDataJSON", ["a"]),
    ("response.clientDataJSON", NOT_BASE64),
]
AUTHENTICATION_BREAKAGES = [
    *SHARED_BREAKAGES,
    ("response.authenticatorData", NOT_BASE64),
    ("response.signature", None),
    ("response.userHandle", NOT_BASE64),
    ("response.userHandle", 12),
]
REGISTRATION_BREAKAGES = [
    *SHARED_BREAKAGES,
    ("response.attestationObject", NOT_BASE64),
    ("response.attestationObject", {}),
]
NOT_OBJECTS = ["a string", ["a", "list"], 1, None, True]


@pytest.fixture
def alice(api):
    user = UserFactory(username="alice")
    user.authenticator = register(api, user)["authenticator"]
    return user


@pytest.mark.parametrize(("path", "value"), AUTHENTICATION_BREAKAGES)
def test_a_malformed_login_credential_is_400_and_keeps_the_challenge(api, alice, path, value):
    started = login_options(api)
    credential = alice.authenticator.get(started["options"])

    response = login_verify(api, started, _set(credential, path, value))

    body = assert_problem(response, 400, "validation_error")
    assert list(body["errors"]) == ["credential"]
    assert login_verify(api, started, credential).status_code == 200


@pytest.mark.parametrize("credential", NOT_OBJECTS)
def test_a_login_credential_that_is_not_an_object_is_400(api, credential):
    started = login_options(api)

    response = login_verify(api, started, credential)

    body = assert_problem(response, 400, "validation_error")
    assert list(body["errors"]) == ["credential"]


@pytest.mark.parametrize(
    "body",
    [{}, {"challenge_id": "not-a-uuid", "credential": {}}, {"challenge_id": 5, "credential": {}}],
)
def test_a_login_body_without_a_challenge_id_is_400(api, body):
    response = api.post("/api/v1/auth/passkeys/login/verify", body, format="json")

    assert_problem(response, 400, "validation_error")


def test_a_login_body_that_is_not_an_object_is_400(api):
    response = api.post("/api/v1/auth/passkeys/login/verify", [1, 2], format="json")

    assert_problem(response, 400, "validation_error")


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("response.authenticatorData", b64url(b"too short")),
        ("response.clientDataJSON", b64url(b"not json")),
        ("response.signature", b64url(b"not DER")),
    ],
)
def test_well_encoded_nonsense_in_a_login_is_401(api, alice, path, value):
    started = login_options(api)
    credential = _set(alice.authenticator.get(started["options"]), path, value)

    assert_problem(login_verify(api, started, credential), 401, "invalid_credentials")


@pytest.mark.parametrize(("path", "value"), REGISTRATION_BREAKAGES)
def test_a_malformed_registration_credential_is_400_and_keeps_the_challenge(api, path, value):
    user = UserFactory()
    started = register_options(api, user)
    credential = SoftAuthenticator().create(started["options"])
    body = {"challenge_id": started["challenge_id"], "name": "Key"}

    response = api.post(
        REGISTER_VERIFY,
        {**body, "credential": _set(credential, path, value)},
        format="json",
        **auth_of(user),
    )

    problem = assert_problem(response, 400, "validation_error")
    assert list(problem["errors"]) == ["credential"]
    again = api.post(
        REGISTER_VERIFY, {**body, "credential": credential}, format="json", **auth_of(user)
    )
    assert again.status_code == 201, again.content


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("response.attestationObject", b64url(b"not cbor")),
        ("response.attestationObject", b64url(b"\xa1\x63fmt\x64none")),  # CBOR, no authData
        ("response.clientDataJSON", b64url(b"[]")),
    ],
)
def test_well_encoded_nonsense_in_a_registration_is_400(api, path, value):
    user = UserFactory()
    started = register_options(api, user)
    credential = _set(SoftAuthenticator().create(started["options"]), path, value)

    response = api.post(
        REGISTER_VERIFY,
        {"challenge_id": started["challenge_id"], "credential": credential},
        format="json",
        **auth_of(user),
    )

    assert_problem(response, 400, "validation_error")


@pytest.mark.parametrize(
    "cose_key",
    [
        cbor2.dumps({1: 2, 3: -7, -2: bytes(32), -3: bytes(32)}),  # EC2 without a curve
        cbor2.dumps(7),  # not a map
        cbor2.dumps({1: 2}),  # no algorithm
        b"",
    ],
    ids=["no curve", "not a map", "no alg", "empty"],
)
def test_a_broken_public_key_in_a_registration_is_400(api, cose_key):
    user = UserFactory()
    started = register_options(api, user)
    credential = SoftAuthenticator(cose_key=cose_key).create(started["options"])

    response = api.post(
        REGISTER_VERIFY,
        {"challenge_id": started["challenge_id"], "credential": credential},
        format="json",
        **auth_of(user),
    )

    assert_problem(response, 400, "validation_error")


def _mutated(data: bytes, rng: random.Random) -> bytes:
    """``data`` with a few bytes changed, cut or inserted."""
    changed = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        where = rng.randrange(len(changed) + 1)
        action = rng.random()
        if action < 0.5 and where < len(changed):
            changed[where] = rng.randrange(256)
        elif action < 0.75:
            del changed[where:]
        else:
            changed.insert(where, rng.randrange(256))
    return bytes(changed)


def test_mutated_registrations_and_assertions_are_refused_never_a_500(api, alice, settings):
    # given a fixed seed, so a failure can be replayed
    settings.AUTH_PASSKEY_RATE = "1000/m"
    rng = random.Random(20261206)
    user = UserFactory()
    for _ in range(60):
        started = register_options(api, user)
        credential = SoftAuthenticator().create(started["options"])
        member = rng.choice(["attestationObject", "clientDataJSON"])
        credential["response"][member] = b64url(
            _mutated(unb64url(credential["response"][member]), rng)
        )
        response = api.post(
            REGISTER_VERIFY,
            {"challenge_id": started["challenge_id"], "credential": credential},
            format="json",
            **auth_of(user),
        )
        assert response.status_code in {201, 400}, response.content
    for _ in range(60):
        started = login_options(api)
        credential = alice.authenticator.get(started["options"])
        member = rng.choice(["authenticatorData", "clientDataJSON", "signature"])
        credential["response"][member] = b64url(
            _mutated(unb64url(credential["response"][member]), rng)
        )
        assert login_verify(api, started, credential).status_code in {200, 401}


@pytest.mark.parametrize("credential", [*NOT_OBJECTS, {"id": "x"}, {"rawId": NOT_BASE64}])
def test_a_malformed_second_factor_credential_is_400_and_uses_no_try(api, alice, credential):
    totp_enable(api, alice)
    mfa_token = mfa_token_of(api, alice)
    started = api.post(MFA_PASSKEY_OPTIONS, {"mfa_token": mfa_token}, format="json").json()

    response = api.post(
        LOGIN_MFA,
        {"mfa_token": mfa_token, "challenge_id": started["challenge_id"], "credential": credential},
        format="json",
    )

    assert_problem(response, 400, "validation_error")
    assert MfaChallenge.objects.get(user=alice).tries == 0
    assert PasskeyChallenge.objects.get(pk=started["challenge_id"]).used_at is None


@pytest.mark.parametrize("body", [{}, {"mfa_token": True}, {"mfa_token": ["x"]}])
def test_second_factor_options_need_an_mfa_token_string(api, body):
    assert_problem(api.post(MFA_PASSKEY_OPTIONS, body, format="json"), 400, "validation_error")
