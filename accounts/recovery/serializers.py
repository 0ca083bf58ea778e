"""Recovery request and response shapes."""

from django.conf import settings
from rest_framework import serializers

from accounts.users.fields import PasswordField


class PasswordResetRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(serializers.Serializer):
    # No length rule here: an overlong or malformed token is token_invalid, like a forged one.
    token = serializers.CharField()
    new_password = PasswordField(max_length=settings.PASSWORD_MAX_LENGTH)


class AcceptedResponseSerializer(serializers.Serializer):
    detail = serializers.CharField(read_only=True)


class EmailVerifyRequestSerializer(serializers.Serializer):
    token = serializers.CharField()


class EmailChangeRequestSerializer(serializers.Serializer):
    new_email = serializers.EmailField(max_length=254)
    current_password = PasswordField(max_length=settings.PASSWORD_MAX_LENGTH)
