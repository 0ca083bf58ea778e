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


class RevokeReason(models.TextChoices):
    LOGOUT = "logout"
    LOGOUT_ALL = "logout_all"
    SESSION_DELETED = "session_deleted"
    PASSWORD_CHANGED = "password_changed"
    REUSE_DETECTED = "reuse_detected"


class LoginSession(models.Model):
    """One login and its refresh-token rotation family; its id is the tokens' ``sid`` claim.

    Holds token ids (``jti``), never token text: a signed token cannot be rebuilt from a
    row, so a database dump hands out no sessions. ``current_jti`` is the only refresh
    token that may be used; ``previous_jti`` is remembered only for the reuse grace window.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_sessions")
    created_at = models.DateTimeField(default=timezone.now)
    authenticated_at = models.DateTimeField(
        default=timezone.now,
        help_text="When the holder last proved the password (login, password change).",
    )
    last_used_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(help_text="Expiry of the current refresh token.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=20, choices=RevokeReason.choices, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    current_jti = models.CharField(max_length=32)
    previous_jti = models.CharField(max_length=32, blank=True)
    rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "accounts_login_session"
        indexes = [
            # purge_tokens deletes by these two; per-user lookups use the user_id FK index.
            models.Index(fields=["expires_at"], name="login_session_expires_idx"),
            models.Index(fields=["revoked_at"], name="login_session_revoked_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.id}"


class AuditLog(models.Model):
    """One security event (see accounts.audit.AuditAction). Written only by ``audit_record``.

    ``user`` survives as NULL when the account is deleted, so the trail outlives it.
    """

    USER_AGENT_MAX_LENGTH = 256

    id = models.BigAutoField(primary_key=True)
    # The (user, created_at) index below serves user lookups; no separate FK index.
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, db_index=False,
        related_name="audit_logs",
    )  # fmt: skip
    action = models.CharField(max_length=64)
    status = models.CharField(max_length=16)
    request_id = models.CharField(max_length=128, blank=True, default="")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=USER_AGENT_MAX_LENGTH, blank=True, default="")
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "audit_logs"
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["user", "created_at"], name="audit_logs_user_time_idx"),
            models.Index(fields=["created_at"], name="audit_logs_time_idx"),
            # Following one request from the logs to the trail: WHERE request_id = '...'.
            models.Index(fields=["request_id"], name="audit_logs_request_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.status} {self.created_at:%Y-%m-%d %H:%M:%S}"


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
