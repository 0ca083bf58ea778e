"""The account: one row per user, its invariants enforced by the database."""

import uuid

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.users.managers import UserManager
from accounts.users.validators import USERNAME_MAX_LENGTH, USERNAME_PATTERN, validate_username


class User(AbstractBaseUser, PermissionsMixin):
    """An account. Uniqueness and username shape are enforced by the database itself,
    so no path (API, admin, shell, two racing requests) can break them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    username = models.CharField(
        max_length=USERNAME_MAX_LENGTH,
        validators=[validate_username],
        help_text="3-32 ASCII letters, digits or underscores; unique ignoring case.",
    )
    email = models.EmailField(max_length=254, help_text="Unique ignoring case.")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    password_changed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the password last changed; refresh tokens of sessions that last "
        "proved the password before this are refused.",
    )

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        db_table = "accounts_user"
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="accounts_user_username_ci_unique",
                violation_error_message="This username is already taken.",
            ),
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message="This email is already registered.",
            ),
            models.CheckConstraint(
                condition=models.Q(username__regex=USERNAME_PATTERN),
                name="accounts_user_username_shape",
                violation_error_message="Invalid username.",
            ),
        ]

    def __str__(self) -> str:
        return self.username
