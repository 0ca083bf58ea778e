"""The password change request."""

from django.conf import settings
from rest_framework import serializers

from accounts.users.fields import PasswordField


class PasswordChangeRequestSerializer(serializers.Serializer):
    current_password = PasswordField(max_length=settings.PASSWORD_MAX_LENGTH)
    new_password = PasswordField(max_length=settings.PASSWORD_MAX_LENGTH)
