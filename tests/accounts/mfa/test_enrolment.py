"""GET /mfa, POST /mfa/totp and POST /mfa/totp/confirm: turning TOTP on."""

import base64
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.utils.dateparse import parse_datetime

from accounts.mfa.models import RecoveryCode, TotpDevice
from accounts.models import AuditLog, LoginLockout
from tests.accounts.mfa.helpers import (
    AMR_TOTP,
    CONFIRM,
    ME,
    MFA,
    RECOVERY_CODES,
    REFRESH,
    TOTP,
    Authenticator,
    enrol,
    enrol_begin,
)
from tests.factories import UserFactory
from tests.problem import assert_problem
from tests.tokens import bearer, claims_of, issue_pair

pytestmark = pytest.mark.django_db


def _confirm(api, access, code):
    return api.post(CONFIRM, {"code": code}, format="json", **bearer(access))


def test_status_of_an_account_without_a_second_factor(api):
    access = issue_pair(UserFactory())["access"]

    response = api.get(MFA, **bearer(access))

    assert response.status_code == 200
    assert response.json() == {
        "totp": {"enabled": False, "confirmed_at": None},
        "recovery_codes": {"remaining": 0},
    }
    assert response["Cache-Control"] == "no-store"


def test_begin_answers_a_secret_its_uri_and_a_qr_code_without_turning_totp_on(api, settings):
    # given
    settings.AUTH_MFA_ISSUER = "authsvc"
    user = UserFactory(username="alice", email="alice@example.com")
    access = issue_pair(user)["access"]

    # when
    response = enrol_begin(api, user, access)

    # then: what an authenticator app needs, never cached
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"secret", "otpauth_uri", "qr_svg"}
    assert response["Cache-Control"] == "no-store"
    assert len(base64.b32decode(body["secret"])) == 20
    uri = urlsplit(body["otpauth_uri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert unquote(uri.path) == "/authsvc:alice@example.com"
    assert parse_qs(uri.query) == {
        "secret": [body["secret"]],
        "issuer": ["authsvc"],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
    }
    assert body["qr_svg"].startswith("<svg")
    # and TOTP stays off until a first code confirms it
    status = api.get(MFA, **bearer(access)).json()
    assert status["totp"] == {"enabled": False, "confirmed_at": None}
    assert TotpDevice.objects.get(user=user).confirmed is False


def test_confirm_turns_totp_on_and_answers_ten_recovery_codes_and_mfa_tokens(api):
    # given a pending enrolment
    user = UserFactory()
    access = issue_pair(user)["access"]
    authenticator = Authenticator(enrol_begin(api, user, access).json()["secret"])

    # when the app's first code confirms it
    response = _confirm(api, access, authenticator.fresh_code())

    # then: ten distinct codes once, and a session that proved both factors
    assert response.status_code == 200, response.content
    body = response.json()
    assert response["Cache-Control"] == "no-store"
    assert len(body["recovery_codes"]) == len(set(body["recovery_codes"])) == 10
    assert {"access", "refresh", "token_type", "expires_in"} <= set(body)
    assert claims_of(body["access"])["amr"] == AMR_TOTP
    assert claims_of(body["refresh"])["amr"] == AMR_TOTP
    status = api.get(MFA, **bearer(body["access"])).json()
    assert status["totp"]["enabled"] is True
    confirmed_at = parse_datetime(status["totp"]["confirmed_at"])
    assert confirmed_at == TotpDevice.objects.get(user=user).confirmed_at
    assert status["recovery_codes"] == {"remaining": 10}


def test_confirm_ends_every_earlier_session_of_the_account(api):
    # given the account logged in elsewhere, and the session that enrols
    user = UserFactory()
    elsewhere = issue_pair(user)
    enrolling = issue_pair(user)
    authenticator = Authenticator(enrol_begin(api, user, enrolling["access"]).json()["secret"])

    # when
    confirmed = _confirm(api, enrolling["access"], authenticator.fresh_code()).json()

    # then neither earlier session proved the second factor: both are over
    for pair in (elsewhere, enrolling):
        assert_problem(
            api.post(REFRESH, {"refresh": pair["refresh"]}, format="json"), 401, "token_invalid"
        )
        assert_problem(api.get(ME, **bearer(pair["access"])), 401, "token_invalid")
    # and the new session works
    assert api.get(ME, **bearer(confirmed["access"])).status_code == 200


def test_begin_again_replaces_a_pending_secret(api):
    # given two begins in a row
    user = UserFactory()
    access = issue_pair(user)["access"]
    first = Authenticator(enrol_begin(api, user, access).json()["secret"])
    second = Authenticator(enrol_begin(api, user, access).json()["secret"])
    assert first.secret != second.secret

    # when the first secret's code is sent, then the second's
    stale = _confirm(api, access, first.fresh_code())
    fresh = _confirm(api, access, second.fresh_code())

    # then only the latest secret confirms
    assert_problem(stale, 400, "mfa_code_invalid")
    assert fresh.status_code == 200, fresh.content
    assert TotpDevice.objects.filter(user=user).count() == 1


def test_begin_with_a_wrong_password_is_a_validation_error_and_stores_nothing(api):
    user = UserFactory()
    access = issue_pair(user)["access"]

    response = api.post(
        TOTP, {"current_password": "Not-the-password-1"}, format="json", **bearer(access)
    )

    body = assert_problem(response, 400, "validation_error")
    assert list(body["errors"]) == ["current_password"]
    assert not TotpDevice.objects.filter(user=user).exists()
    refused = AuditLog.objects.get(action="mfa_enabled")
    assert (refused.status, refused.details) == ("failure", {"reason": "wrong_current_password"})


def test_begin_when_totp_is_already_on_is_a_conflict_and_keeps_the_secret(api):
    # given
    user = UserFactory()
    enrolment = enrol(api, user)
    sealed_before = TotpDevice.objects.get(user=user).sealed_key

    # when
    response = enrol_begin(api, user, enrolment.access)

    # then a stolen access token and password cannot swap the authenticator
    assert_problem(response, 409, "conflict")
    device = TotpDevice.objects.get(user=user)
    assert (device.confirmed, device.sealed_key) == (True, sealed_before)


def test_confirm_with_a_wrong_code_is_refused_and_counts_toward_the_lockout(api):
    # given
    user = UserFactory()
    access = issue_pair(user)["access"]
    authenticator = Authenticator(enrol_begin(api, user, access).json()["secret"])

    # when
    response = _confirm(api, access, authenticator.wrong_code())

    # then
    assert_problem(response, 400, "mfa_code_invalid")
    assert TotpDevice.objects.get(user=user).confirmed is False
    assert not RecoveryCode.objects.filter(user=user).exists()
    assert LoginLockout.objects.get(key=user.username.lower()).attempts == 1
    # and the right code still confirms afterwards
    assert _confirm(api, access, authenticator.fresh_code()).status_code == 200


def test_confirm_with_nothing_pending_is_a_conflict(api):
    access = issue_pair(UserFactory())["access"]

    assert_problem(_confirm(api, access, "123456"), 409, "conflict")


def test_confirm_when_totp_is_already_on_is_a_conflict(api):
    user = UserFactory()
    enrolment = enrol(api, user)

    response = _confirm(api, enrolment.access, enrolment.authenticator.fresh_code())

    assert_problem(response, 409, "conflict")


@pytest.mark.parametrize(
    ("url", "payload", "field"),
    [
        (TOTP, {}, "current_password"),
        (CONFIRM, {}, "code"),
        (CONFIRM, {"code": "1" * 65}, "code"),
        (RECOVERY_CODES, {}, "code"),
    ],
)
def test_malformed_bodies_are_validation_errors(api, url, payload, field):
    access = issue_pair(UserFactory())["access"]

    response = api.post(url, payload, format="json", **bearer(access))

    body = assert_problem(response, 400, "validation_error")
    assert list(body["errors"]) == [field]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", MFA),
        ("post", TOTP),
        ("delete", TOTP),
        ("post", CONFIRM),
        ("post", RECOVERY_CODES),
    ],
)
def test_every_enrolment_endpoint_needs_a_bearer_token(api, method, url):
    response = getattr(api, method)(url, {"code": "123456"}, format="json")

    assert_problem(response, 401, "not_authenticated")


def test_begin_counts_against_the_login_rate_per_client_ip(api, settings):
    # given a limit of two attempts
    settings.AUTH_LOGIN_RATE = "2/m"
    user = UserFactory()
    access = issue_pair(user)["access"]
    wrong = {"current_password": "Not-the-password-1"}
    api.post(TOTP, wrong, format="json", **bearer(access))
    api.post(TOTP, wrong, format="json", **bearer(access))

    # when the third comes, with the right password
    response = enrol_begin(api, user, access)

    # then it is refused before the password is looked at
    assert_problem(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert not TotpDevice.objects.filter(user=user).exists()


def test_begin_without_a_field_encryption_key_is_unavailable(api, settings):
    # given a production configuration that lacks AUTH_FIELD_ENCRYPTION_KEY
    settings.AUTH_FIELD_ENCRYPTION_KEYS = []
    settings.DEBUG = False
    user = UserFactory()

    # when
    response = enrol_begin(api, user)

    # then no secret is handed out that could not be sealed
    assert_problem(response, 503, "service_unavailable")
    assert not TotpDevice.objects.filter(user=user).exists()
