"""Logging in with a passkey and no username: tokens, amr, and every refusal."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.audit.models import AuditLog
from accounts.passkeys.models import Passkey, PasskeyChallenge
from tests.accounts.passkeys.authenticator import SoftAuthenticator
from tests.accounts.passkeys.flows import (
    LOGIN_OPTIONS,
    PASSKEYS,
    auth_of,
    login,
    login_options,
    login_verify,
    register,
    register_options,
    totp_enable,
)
from tests.factories import UserFactory
from tests.problem import assert_problem
from tests.tokens import claims_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(api):
    user = UserFactory(username="alice")
    user.authenticator = register(api, user)["authenticator"]
    return user


def test_login_options_allow_any_passkey_of_this_site(api):
    started = login_options(api)

    assert started["options"]["allowCredentials"] == []
    assert started["options"]["rpId"] == "localhost"
    assert started["options"]["userVerification"] == "preferred"


def test_a_passkey_that_verified_its_user_logs_in_with_amr_hwk_user(api, alice):
    response = login(api, alice.authenticator)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["user"]["username"] == "alice"
    assert response["Cache-Control"] == "no-store"
    assert claims_of(body["access"])["amr"] == ["hwk", "user"]
    assert claims_of(body["refresh"])["amr"] == ["hwk", "user"]


def test_a_passkey_without_user_verification_logs_in_with_amr_hwk(api, alice):
    response = login(api, alice.authenticator, uv=False)

    assert response.status_code == 200, response.content
    assert claims_of(response.json()["access"])["amr"] == ["hwk"]


def test_a_login_records_the_use_and_audits_it(api, alice):
    login(api, alice.authenticator)

    passkey = Passkey.objects.get(user=alice)
    assert passkey.sign_count == alice.authenticator.sign_count == 1
    assert passkey.last_used_at is not None
    assert AuditLog.objects.filter(action="passkey_login", status="success").count() == 1
    row = AuditLog.objects.get(action="login_succeeded", user_id=alice.pk)
    assert row.details == {"amr": ["hwk", "user"]}
    listed = api.get(PASSKEYS, **auth_of(alice)).json()["passkeys"]
    assert listed[0]["last_used_at"] is not None


def test_an_authenticator_without_a_counter_logs_in_again_and_again(api):
    user = UserFactory()
    authenticator = register(api, user, SoftAuthenticator(counts=False))["authenticator"]

    for _ in range(3):
        assert login(api, authenticator).status_code == 200


def test_a_passkey_login_needs_no_totp_even_when_totp_is_on(api, alice):
    totp_enable(api, alice)

    response = login(api, alice.authenticator)

    assert response.status_code == 200, response.content
    assert claims_of(response.json()["access"])["amr"] == ["hwk", "user"]


def test_a_login_challenge_works_once(api, alice):
    started = login_options(api)
    assert (
        login_verify(api, started, alice.authenticator.get(started["options"])).status_code == 200
    )

    response = login_verify(api, started, alice.authenticator.get(started["options"]))

    assert_problem(response, 400, "challenge_invalid")


def test_an_expired_login_challenge_is_refused(api, alice):
    started = login_options(api)
    PasskeyChallenge.objects.filter(pk=started["challenge_id"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    response = login_verify(api, started, alice.authenticator.get(started["options"]))

    assert_problem(response, 400, "challenge_invalid")


def test_a_challenge_lives_300_seconds(api):
    started = login_options(api)

    row = PasskeyChallenge.objects.get(pk=started["challenge_id"])
    assert row.expires_at - row.created_at == timedelta(seconds=300)


def test_a_registration_challenge_cannot_log_in(api, alice):
    started = register_options(api, alice)
    options = {**login_options(api)["options"], "challenge": started["options"]["challenge"]}

    response = login_verify(api, started, alice.authenticator.get(options))

    assert_problem(response, 400, "challenge_invalid")


def test_an_unknown_challenge_id_is_refused(api, alice):
    started = {**login_options(api), "challenge_id": "00000000-0000-4000-8000-000000000000"}

    response = login_verify(api, started, alice.authenticator.get(started["options"]))

    assert_problem(response, 400, "challenge_invalid")


@pytest.mark.parametrize(
    "get",
    [
        {"origin": "https://evil.example"},
        {"origin": "http://localhost:8000.evil.example"},
        {"rp_id": "evil.example"},
    ],
    ids=["foreign origin", "look-alike origin", "other rp id"],
)
def test_an_assertion_for_another_origin_or_rp_id_is_401(api, alice, get):
    response = login(api, alice.authenticator, **get)

    assert_problem(response, 401, "invalid_credentials")
    assert AuditLog.objects.filter(action="passkey_login", status="failure").count() == 1


def test_an_assertion_with_a_bad_signature_is_401(api, alice):
    impostor = SoftAuthenticator(
        credential_id=alice.authenticator.credential_id, user_handle=alice.authenticator.user_handle
    )

    response = login(api, impostor)

    assert_problem(response, 401, "invalid_credentials")
    assert Passkey.objects.get(user=alice).sign_count == 0


def test_an_assertion_signed_over_another_challenge_is_401(api, alice):
    started = login_options(api)
    other = login_options(api)

    response = login_verify(api, started, alice.authenticator.get(other["options"]))

    assert_problem(response, 401, "invalid_credentials")


def test_an_unknown_passkey_is_401(api, alice):
    response = login(api, SoftAuthenticator())

    assert_problem(response, 401, "invalid_credentials")
    row = AuditLog.objects.get(action="passkey_login")
    assert (row.status, row.user_id, row.details) == (
        "failure",
        None,
        {"reason": "unknown_credential"},
    )


def test_a_user_handle_of_another_account_is_401(api, alice):
    alice.authenticator.user_handle = "AAAAAAAAAAAAAAAAAAAAAA"

    response = login(api, alice.authenticator)

    assert_problem(response, 401, "invalid_credentials")


def test_an_inactive_account_cannot_log_in_with_its_passkey(api, alice):
    alice.is_active = False
    alice.save(update_fields=["is_active"])

    response = login(api, alice.authenticator)

    assert_problem(response, 401, "invalid_credentials")


def test_an_unverified_address_cannot_log_in_when_verification_is_required(api, alice, settings):
    settings.AUTH_REQUIRE_VERIFIED_EMAIL = True

    response = login(api, alice.authenticator)

    assert_problem(response, 403, "email_unverified")
    alice.email_verified_at = timezone.now()
    alice.save(update_fields=["email_verified_at"])
    assert login(api, alice.authenticator).status_code == 200


@pytest.mark.parametrize("replayed_count", [0, 3, 5])
def test_a_sign_count_that_goes_backwards_is_refused_and_audited(api, alice, replayed_count):
    # given a passkey whose authenticator has signed five times
    assert login(api, alice.authenticator, sign_count=5).status_code == 200

    # when a clone of it signs with a counter that is not above the stored one
    response = login(api, alice.authenticator, sign_count=replayed_count)

    # then the login is refused and the regression audited with both counts
    assert_problem(response, 401, "invalid_credentials")
    row = AuditLog.objects.get(action="passkey_counter_regressed")
    passkey = Passkey.objects.get(user=alice)
    assert (row.status, row.user_id) == ("failure", alice.pk)
    assert row.details == {"key": passkey.pk, "stored": 5, "received": replayed_count}
    assert passkey.sign_count == 5


def test_a_low_counter_on_a_bad_signature_is_no_counter_regression(api, alice):
    assert login(api, alice.authenticator, sign_count=5).status_code == 200
    impostor = SoftAuthenticator(
        credential_id=alice.authenticator.credential_id, user_handle=alice.authenticator.user_handle
    )

    response = login(api, impostor, sign_count=1)

    assert_problem(response, 401, "invalid_credentials")
    assert not AuditLog.objects.filter(action="passkey_counter_regressed").exists()


def test_a_deleted_passkey_can_no_longer_log_in(api, alice):
    passkey = Passkey.objects.get(user=alice)
    assert api.delete(f"{PASSKEYS}/{passkey.pk}", **auth_of(alice)).status_code == 204

    response = login(api, alice.authenticator)

    assert_problem(response, 401, "invalid_credentials")


def test_login_options_are_rate_limited_per_client_ip(api, settings):
    settings.AUTH_PASSKEY_RATE = "2/m"
    for _ in range(2):
        assert api.post(LOGIN_OPTIONS, format="json").status_code == 200

    response = api.post(LOGIN_OPTIONS, format="json")

    assert_problem(response, 429, "rate_limited")
    assert int(response["Retry-After"]) >= 1
    other_client = api.post(LOGIN_OPTIONS, format="json", REMOTE_ADDR="203.0.113.9")
    assert other_client.status_code == 200


def test_the_default_passkey_rate_is_30_a_minute(settings):
    assert settings.AUTH_PASSKEY_RATE == "30/m"
