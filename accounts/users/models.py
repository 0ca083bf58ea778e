"""The account: one row per user, its invariants enforced by the database."""

import uuid
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.users.managers import UserManager
from accounts.users.signals import password_set, user_deactivated
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

    email_verified_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the owner proved the address with a mailed token; empty: unproven.",
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

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def set_password(self, raw_password: str | None, *, changed_at: datetime | None = None) -> None:
        """As Django's; ``changed_at`` lets a caller that keeps its own session name the
        instant, so that session can be marked as having proved the new password."""
        super().set_password(raw_password)
        self._password_changed_at = changed_at

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every path that sets a password ends in save() with Django's _password set
        # (the login-time rehash clears it first), so this one place covers them all.
        existing = not self._state.adding
        password_changed = existing and self._password is not None  # type: ignore[attr-defined]
        if password_changed:
            self.password_changed_at = getattr(self, "_password_changed_at", None) or timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "password_changed_at"}
        super().save(*args, **kwargs)
        if password_changed:
            password_set.send(sender=User, user=self, changed_at=self.password_changed_at)
        if existing and not self.is_active:
            user_deactivated.send(sender=User, user=self)
