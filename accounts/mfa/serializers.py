"""Request and response shapes of the second-factor endpoints (shape only; rules live in
services)."""

from typing import Any

from django.conf import settings
from rest_framework import serializers

from accounts.tokens.serializers import TokenPairResponseSerializer
from accounts.users.fields import PasswordField, TextField

# Codes are short; a bound keeps a megabyte of "digits" away from the checks.
_CODE_MAX_LENGTH = 64


class TotpStatusSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(read_only=True)
    confirmed_at = serializers.DateTimeField(read_only=True, allow_null=True)


class RecoveryCodesStatusSerializer(serializers.Serializer):
    remaining = serializers.IntegerField(read_only=True, help_text="Unused recovery codes.")


class MfaStatusSerializer(serializers.Serializer):
    totp = TotpStatusSerializer(read_only=True)
    recovery_codes = RecoveryCodesStatusSerializer(read_only=True)


class TotpEnrolRequestSerializer(serializers.Serializer):
    current_password = PasswordField(max_length=settings.PASSWORD_MAX_LENGTH)


class TotpEnrolResponseSerializer(serializers.Serializer):
    secret = serializers.CharField(read_only=True, help_text="Base32, for manual entry.")
    otpauth_uri = serializers.CharField(read_only=True, help_text="What the QR code holds.")
    qr_svg = serializers.CharField(read_only=True, help_text="The QR code, an inline SVG.")


class TotpCodeRequestSerializer(serializers.Serializer):
    code = TextField(max_length=_CODE_MAX_LENGTH, help_text="The 6 digits the app shows.")


class RecoveryCodesResponseSerializer(serializers.Serializer):
    recovery_codes = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Ten single-use codes, shown this once: the user keeps them somewhere safe.",
    )


class TotpConfirmResponseSerializer(RecoveryCodesResponseSerializer, TokenPairResponseSerializer):
    pass


class SecondFactorRequestSerializer(serializers.Serializer):
    """Exactly one of a TOTP code and a recovery code."""

    code = TextField(max_length=_CODE_MAX_LENGTH, required=False)
    recovery_code = TextField(max_length=_CODE_MAX_LENGTH, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [name for name in ("code", "recovery_code") if name in attrs]
        if len(given) != 1:
            raise serializers.ValidationError(
                {"non_field_errors": ["Send exactly one of code and recovery_code."]}
            )
        return attrs


class MfaLoginRequestSerializer(SecondFactorRequestSerializer):
    """Exactly one second factor: a TOTP code, a recovery code, or a passkey's answer
    (``challenge_id`` from ``POST /login/mfa/passkey/options`` with ``credential``)."""

    mfa_token = TextField(max_length=128, help_text="From the `mfa_required` problem.")
    challenge_id = serializers.UUIDField(
        required=False, help_text="From `POST /login/mfa/passkey/options`; with `credential`."
    )
    credential = serializers.DictField(
        required=False,
        help_text="navigator.credentials.get()'s answer in JSON form (PublicKeyCredential."
        "toJSON()); with `challenge_id`.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [name for name in ("code", "recovery_code", "credential") if name in attrs]
        if len(given) != 1 or ("challenge_id" in attrs) != ("credential" in attrs):
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        "Send exactly one of code, recovery_code, and challenge_id with credential."
                    ]
                }
            )
        return attrs
