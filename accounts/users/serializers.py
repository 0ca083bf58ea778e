"""Registration and /me shapes. Input serializers check shape only; rules live in services."""

from typing import Any

from django.conf import settings
from rest_framework import serializers

from accounts.users.fields import PasswordField, TextField
from accounts.users.models import User
from accounts.users.validators import USERNAME_MAX_LENGTH, validate_username


class RegisterRequestSerializer(serializers.Serializer):
    username = TextField(
        max_length=USERNAME_MAX_LENGTH, trim_whitespace=False, validators=[validate_username]
    )
    email = serializers.EmailField(max_length=254)
    password = PasswordField(max_length=settings.PASSWORD_MAX_LENGTH)

    def validate_email(self, value: str) -> str:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise serializers.ValidationError("Enter a valid email address.") from None
        return value


# DRF's own DateTimeField formats the dates (ISO 8601, "Z" for UTC): unbound, it needs no
# serializer around it.
_DATETIME = serializers.DateTimeField()


class UserSummarySerializer(serializers.Serializer):
    """The user in token responses. ``to_representation`` is written out: DRF's generic one
    deep-copies every declared field per response, a fifth of GET /me (docs/performance.md);
    the fields stay declared for the schema, and a test compares the two outputs."""

    id = serializers.UUIDField(read_only=True)
    username = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    date_joined = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance: User) -> dict[str, Any]:
        return {
            "id": str(instance.id),
            "username": instance.username,
            "email": instance.email,
            "date_joined": _DATETIME.to_representation(instance.date_joined),
        }


class MeResponseSerializer(UserSummarySerializer):
    last_login = serializers.DateTimeField(read_only=True, allow_null=True)
    email_verified = serializers.BooleanField(
        read_only=True, help_text="Whether the owner proved the address (a mailed token)."
    )

    def to_representation(self, instance: User) -> dict[str, Any]:
        return {
            **super().to_representation(instance),
            "last_login": None
            if instance.last_login is None
            else _DATETIME.to_representation(instance.last_login),
            "email_verified": instance.email_verified,
        }


class UnverifiedRegistrationResponseSerializer(serializers.Serializer):
    """Registration's answer when AUTH_REQUIRE_VERIFIED_EMAIL is on: no tokens until the
    address is proven."""

    user = MeResponseSerializer(read_only=True)
    verification_mail_sent = serializers.BooleanField(
        read_only=True, help_text="A verification mail was queued to the address."
    )
