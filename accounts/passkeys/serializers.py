"""Request and response shapes of the passkey endpoints (shape only: what a credential
holds is checked by py_webauthn in the services)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.passkeys.models import PASSKEY_NAME_MAX_LENGTH, Passkey
from accounts.users.fields import TextField


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": True,
        "description": "The result of navigator.credentials.create() or .get() in JSON form "
        '(PublicKeyCredential.toJSON()): `id`, `rawId`, `type` "public-key" and `response` '
        "with its binary members in base64url.",
        "example": {
            "id": "hmBv3QmuK0Oe2G5l8kCGUw",
            "rawId": "hmBv3QmuK0Oe2G5l8kCGUw",
            "type": "public-key",
            "response": {
                "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0Iiwi…",
                "authenticatorData": "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ",
                "signature": "MEUCIQD…",
                "userHandle": "P45qUp0LTB6KVy9LbI0OGg",
            },
        },
    }
)
class CredentialField(serializers.DictField):
    """A JSON object; anything else is a 400 here, before any challenge is used."""


class PasskeyOptionsResponseSerializer(serializers.Serializer):
    challenge_id = serializers.UUIDField(
        read_only=True, help_text="Send it back with the authenticator's answer."
    )
    options = serializers.DictField(
        read_only=True,
        help_text="PublicKeyCredentialCreationOptions or PublicKeyCredentialRequestOptions in "
        "JSON form (binary members base64url): pass to navigator.credentials.create() or "
        ".get() after PublicKeyCredential.parseCreationOptionsFromJSON() / "
        "parseRequestOptionsFromJSON().",
    )


class PasskeyRegisterRequestSerializer(serializers.Serializer):
    challenge_id = serializers.UUIDField()
    credential = CredentialField()
    name = TextField(
        max_length=PASSKEY_NAME_MAX_LENGTH,
        required=False,
        help_text='How the user tells passkeys apart, e.g. "MacBook". Default "Passkey".',
    )


class PasskeyLoginRequestSerializer(serializers.Serializer):
    challenge_id = serializers.UUIDField()
    credential = CredentialField()


class PasskeyMfaOptionsRequestSerializer(serializers.Serializer):
    mfa_token = TextField(max_length=128, help_text="From the `mfa_required` problem.")


class PasskeyRenameRequestSerializer(serializers.Serializer):
    name = TextField(max_length=PASSKEY_NAME_MAX_LENGTH)


class PasskeySerializer(serializers.ModelSerializer):
    class Meta:
        model = Passkey
        fields = ["id", "name", "created_at", "last_used_at"]
        read_only_fields = fields


class PasskeyListResponseSerializer(serializers.Serializer):
    passkeys = PasskeySerializer(many=True, read_only=True)
