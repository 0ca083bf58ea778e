import uuid

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.managers import UserManager
from accounts.validators import USERNAME_MAX_LENGTH, USERNAME_PATTERN, validate_username


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


class LoginLockout(models.Model):
    """The lockout counter of one account (or unknown login name): one row per ``key``.

    Replaces django-axes' AccessAttempt as the count, because axes counts per
    (username, IP, user agent) after the password check, non-atomically (axes #592).
    Every login attempt takes a number here, atomically and before the password is
    checked; a success deletes the row. The attempt records themselves are axes'
    AccessFailureLog and AccessLog.
    """

    key = models.CharField(
        max_length=255, primary_key=True, help_text="accounts.lockout.lockout_key of the login."
    )
    attempts = models.PositiveIntegerField(
        default=0, help_text="Attempts in the current window not followed by a success."
    )
    last_attempt_at = models.DateTimeField(
        help_text="The window (and a lock) ends AUTH_LOCKOUT_COOLOFF seconds after this."
    )

    def __str__(self) -> str:
        return f"{self.key}: {self.attempts}"
