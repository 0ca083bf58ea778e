"""The login request."""

from django.conf import settings
from rest_framework import serializers

from accounts.login.devices import DEVICE_TOKEN_MAX_LENGTH
from accounts.tokens.serializers import TokenPairResponseSerializer
from accounts.users.fields import PasswordField, TextField


class LoginRequestSerializer(serializers.Serializer):
    login = TextField(max_length=254, help_text="Username or email, in any letter case.")
    password = PasswordField(max_length=settings.PASSWORD_MAX_LENGTH)
    device_token = TextField(
        max_length=DEVICE_TOKEN_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="The `device_token` of an earlier login from this client, if it has one: "
        "its attempts are then counted apart, so failures elsewhere cannot lock it out. "
        "In cookie mode the cookie does this.",
    )


class LoginResponseSerializer(TokenPairResponseSerializer):
    device_token = serializers.CharField(
        read_only=True,
        required=False,
        help_text="Keep it and send it with later logins from this client (see the request); "
        "absent in cookie mode (set as an HttpOnly cookie for the login path).",
    )
