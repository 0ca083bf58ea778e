"""Without AUTH_FIELD_ENCRYPTION_KEY and with debug off, nothing about TOTP can run: the
database check names the problem before the first login fails, and enrolment refuses."""

import base64

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from accounts.mfa.checks import field_encryption_key_check
from accounts.mfa.models import TotpDevice
from accounts.mfa.totp import (
    FieldEncryptionUnavailable,
    _device_key,
    totp_secret_new,
    totp_secret_seal,
)
from tests.factories import UserFactory
from tests.problem import assert_problem
from tests.tokens import bearer, issue_pair

pytestmark = pytest.mark.django_db


def _enrolled_user():
    user = UserFactory()
    TotpDevice.objects.create(
        user=user, confirmed=True, sealed_key=totp_secret_seal(totp_secret_new())
    )
    return user


def _without_key(settings):
    settings.DEBUG = False
    settings.AUTH_FIELD_ENCRYPTION_KEYS = []


def test_the_check_fails_once_a_user_has_totp_and_the_key_is_gone(settings):
    # given a user with TOTP, then a deployment without the key
    _enrolled_user()
    _without_key(settings)

    # when the database checks run (as migrate runs them)
    errors = field_encryption_key_check(None, databases=["default"])

    # then one error, by id
    assert [error.id for error in errors] == ["accounts.E001"]
    with pytest.raises(SystemCheckError, match=r"accounts\.E001"):
        call_command("check", "--database", "default")


def test_the_check_passes_while_nobody_has_totp(settings):
    _without_key(settings)

    assert field_encryption_key_check(None, databases=["default"]) == []


def test_the_check_passes_with_the_key(settings):
    _enrolled_user()
    settings.DEBUG = False

    assert field_encryption_key_check(None, databases=["default"]) == []


def test_enrolment_without_the_key_is_503_and_stores_nothing(api, settings):
    # given debug off and no key
    _without_key(settings)
    user = UserFactory()

    # when the user starts enrolment
    response = api.post(
        "/api/v1/auth/mfa/totp",
        {"current_password": user.raw_password},
        format="json",
        **bearer(issue_pair(user)["access"]),
    )

    # then 503 with a clear detail, and no device
    body = assert_problem(response, 503, "service_unavailable")
    assert "field encryption key" in body["detail"]
    assert not TotpDevice.objects.filter(user=user).exists()


KEY_OLD = "old-field-encryption-key-0123456789abcdef"
KEY_NEW = "new-field-encryption-key-0123456789abcdef"


def test_a_rotated_key_list_still_opens_secrets_sealed_with_the_old_key(settings):
    # given a secret sealed under the old key
    settings.AUTH_FIELD_ENCRYPTION_KEYS = [KEY_OLD]
    sealed = totp_secret_seal("JBSWY3DPEHPK3PXP")

    # when the new key is put first, and when the old one is dropped
    settings.AUTH_FIELD_ENCRYPTION_KEYS = [KEY_NEW, KEY_OLD]
    device = TotpDevice(user=UserFactory(), sealed_key=sealed)
    opened = _device_key(device)
    resealed = totp_secret_seal("JBSWY3DPEHPK3PXP")
    settings.AUTH_FIELD_ENCRYPTION_KEYS = [KEY_NEW]

    # then the old seal opens during the rotation, new seals need only the new key, and an
    # old seal without its key is a 503, not a 500
    assert opened == base64.b32decode("JBSWY3DPEHPK3PXP")
    assert _device_key(TotpDevice(user=device.user, sealed_key=resealed)) == opened
    with pytest.raises(FieldEncryptionUnavailable):
        _device_key(device)
