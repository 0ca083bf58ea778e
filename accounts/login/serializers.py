"""The login request."""

from django.conf import settings
from rest_framework import serializers

from accounts.users.fields import PasswordField, TextField


class LoginRequestSerializer(serializers.Serializer):
    login = TextField(max_length=254, help_text="Username or email, in any letter case.")
    password = PasswordField(max_length=settings.PASSWORD_MAX_LENGTH)
