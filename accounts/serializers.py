"""Request and response shapes. Input serializers check shape only; rules live in services."""

from typing import Any

from django.conf import settings
from rest_framework import serializers

from accounts.validators import USERNAME_MAX_LENGTH, validate_username


class TextField(serializers.CharField):
    """A CharField that refuses strings that cannot be stored or hashed as UTF-8.

    JSON allows lone surrogates ("\\ud800"); left in, they fail later at the
    database or the hasher with a 500 instead of a 400 here.
    """

    default_error_messages = {"invalid_unicode": "Contains characters that are not valid Unicode."}

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("invalid_unicode")
        return value


class PasswordField(TextField):
    """Passwords are used exactly as sent: never trimmed, never truncated."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("write_only", True)
        kwargs.setdefault("style", {"input_type": "password"})
        super().__init__(**kwargs)


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


class LoginRequestSerializer(serializers.Serializer):
    login = TextField(max_length=254, help_text="Username or email, in any letter case.")
    password = PasswordField(max_length=settings.PASSWORD_MAX_LENGTH)


class UserSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    username = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    date_joined = serializers.DateTimeField(read_only=True)


class MeResponseSerializer(UserSummarySerializer):
    last_login = serializers.DateTimeField(read_only=True, allow_null=True)


class TokenPairResponseSerializer(serializers.Serializer):
    user = UserSummarySerializer(read_only=True)
    access = serializers.CharField(read_only=True, help_text="Access token (JWT).")
    refresh = serializers.CharField(
        read_only=True,
        required=False,
        help_text="Refresh token (JWT); absent in cookie mode (set as an HttpOnly cookie).",
    )
    token_type = serializers.ChoiceField(choices=["Bearer"], read_only=True)
    expires_in = serializers.IntegerField(read_only=True, help_text="Access token lifetime, s.")
