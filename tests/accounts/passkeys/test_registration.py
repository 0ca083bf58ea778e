"""Registering a passkey: the options, the verify step and what it refuses."""

import uuid
from datetime import timedelta

import pytest

from accounts.audit.models import AuditLog
from accounts.passkeys.models import Passkey, PasskeyChallenge
from tests.accounts.passkeys.authenticator import SoftAuthenticator, b64url, unb64url
from tests.accounts.passkeys.flows import (
    REGISTER_OPTIONS,
    REGISTER_VERIFY,
    auth_of,
    login_options,
    register,
    register_options,
)
from tests.factories import UserFactory
from tests.problem import assert_problem

pytestmark = pytest.mark.django_db


def _verify(api, user, started, credential, **extra):
    body = {"challenge_id": started["challenge_id"], "credential": credential, **extra}
    return api.post(REGISTER_VERIFY, body, format="json", **auth_of(user))


def test_registration_options_ask_for_a_discoverable_credential_of_an_opaque_user_id(api):
    user = UserFactory()

    started = register_options(api, user)

    options = started["options"]
    uuid.UUID(started["challenge_id"])
    assert options["rp"] == {"id": "localhost", "name": "authsvc"}
    assert unb64url(options["user"]["id"]) == user.id.bytes
    assert options["user"]["name"] == user.username
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert options["excludeCredentials"] == []
    assert len(unb64url(options["challenge"])) >= 16


def test_registration_options_exclude_the_accounts_passkeys(api):
    user = UserFactory()
    first = register(api, user)

    options = register_options(api, user)["options"]

    assert [item["id"] for item in options["excludeCredentials"]] == [first["authenticator"].id]


def test_registration_stores_the_passkey_and_audits_it(api):
    user = UserFactory()
    authenticator = SoftAuthenticator()
    started = register_options(api, user)

    response = _verify(api, user, started, authenticator.create(started["options"]), name="Mac")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "name", "created_at", "last_used_at"}
    assert body["name"] == "Mac"
    assert body["last_used_at"] is None
    passkey = Passkey.objects.get(pk=body["id"])
    assert passkey.user == user
    assert passkey.credential_id == authenticator.id
    row = AuditLog.objects.get(action="passkey_added")
    assert row.user_id == user.pk
    assert row.details == {"key": passkey.pk}


def test_registration_without_a_name_is_called_passkey(api):
    user = UserFactory()
    started = register_options(api, user)

    response = _verify(api, user, started, SoftAuthenticator().create(started["options"]))

    assert response.json()["name"] == "Passkey"


def test_registering_a_credential_id_already_registered_is_409(api):
    # given a passkey of alice's, and bob's authenticator claiming the same credential id
    alice, bob = UserFactory(), UserFactory()
    first = register(api, alice)
    clone = SoftAuthenticator(credential_id=first["authenticator"].credential_id)
    started = register_options(api, bob)

    response = _verify(api, bob, started, clone.create(started["options"]))

    assert_problem(response, 409, "conflict")
    assert Passkey.objects.count() == 1


def test_a_registration_challenge_works_once(api):
    user = UserFactory()
    started = register_options(api, user)
    assert (
        _verify(api, user, started, SoftAuthenticator().create(started["options"])).status_code
        == 201
    )

    response = _verify(api, user, started, SoftAuthenticator().create(started["options"]))

    assert_problem(response, 400, "challenge_invalid")
    assert Passkey.objects.count() == 1


def test_an_expired_registration_challenge_is_refused(api):
    user = UserFactory()
    started = register_options(api, user)
    PasskeyChallenge.objects.filter(pk=started["challenge_id"]).update(
        expires_at=PasskeyChallenge.objects.get(pk=started["challenge_id"]).created_at
        - timedelta(seconds=1)
    )

    response = _verify(api, user, started, SoftAuthenticator().create(started["options"]))

    assert_problem(response, 400, "challenge_invalid")


def test_a_registration_challenge_of_another_account_is_refused(api):
    alice, bob = UserFactory(), UserFactory()
    started = register_options(api, alice)

    response = _verify(api, bob, started, SoftAuthenticator().create(started["options"]))

    assert_problem(response, 400, "challenge_invalid")
    assert not Passkey.objects.exists()


def test_a_login_challenge_cannot_register_a_passkey(api):
    user = UserFactory()
    started = login_options(api)
    options = {
        **register_options(api, user)["options"],
        "challenge": started["options"]["challenge"],
    }

    response = _verify(api, user, started, SoftAuthenticator().create(options))

    assert_problem(response, 400, "challenge_invalid")


@pytest.mark.parametrize(
    "create",
    [
        {"origin": "https://evil.example"},
        {"origin": "http://localhost:8001"},
        {"rp_id": "evil.example"},
    ],
    ids=["foreign origin", "other port", "other rp id"],
)
def test_a_registration_for_another_origin_or_rp_id_is_refused(api, create):
    user = UserFactory()
    started = register_options(api, user)

    response = _verify(api, user, started, SoftAuthenticator().create(started["options"], **create))

    body = assert_problem(response, 400, "validation_error")
    assert list(body["errors"]) == ["credential"]
    assert not Passkey.objects.exists()


def test_a_response_signed_over_another_challenge_is_refused(api):
    user = UserFactory()
    started = register_options(api, user)
    other = {**started["options"], "challenge": b64url(b"x" * 32)}

    response = _verify(api, user, started, SoftAuthenticator().create(other))

    assert_problem(response, 400, "validation_error")


def test_registration_needs_a_bearer_token(api):
    assert_problem(api.post(REGISTER_OPTIONS, format="json"), 401, "not_authenticated")
    assert_problem(api.post(REGISTER_VERIFY, {}, format="json"), 401, "not_authenticated")


@pytest.mark.parametrize("origin", ["https://app.example", "https://admin.example:8443"])
def test_every_configured_origin_is_accepted(api, settings, origin):
    settings.AUTH_WEBAUTHN_ORIGINS = ["https://app.example", "https://admin.example:8443"]
    user = UserFactory()
    started = register_options(api, user)

    response = _verify(
        api, user, started, SoftAuthenticator().create(started["options"], origin=origin)
    )

    assert response.status_code == 201, response.content
