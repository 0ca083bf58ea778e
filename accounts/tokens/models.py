"""Login sessions: one row per login, the refresh-token rotation family its tokens belong to."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class RevokeReason(models.TextChoices):
    LOGOUT = "logout"
    LOGOUT_ALL = "logout_all"
    SESSION_DELETED = "session_deleted"
    PASSWORD_CHANGED = "password_changed"
    REUSE_DETECTED = "reuse_detected"
    USER_DEACTIVATED = "user_deactivated"
    ENDED_BY_ADMIN = "ended_by_admin"
    MFA_ENABLED = "mfa_enabled"
    MFA_RESET = "mfa_reset"


class LoginSession(models.Model):
    """One login and its refresh-token rotation family; its id is the tokens' ``sid`` claim.

    Holds token ids (``jti``), never token text: a signed token cannot be rebuilt from a
    row, so a database dump hands out no sessions. ``current_jti`` is the only refresh
    token that may be used; ``previous_jti`` is remembered only for the reuse grace window.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_sessions"
    )
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
    # RFC 8176 methods the holder proved at login, space-separated ("pwd otp mfa"); every
    # token of the session carries them, refreshed ones included.
    amr = models.CharField(max_length=64, default="pwd")

    class Meta:
        db_table = "accounts_login_session"
        indexes = [
            # purge_tokens deletes by these two; per-user lookups use the user_id FK index.
            models.Index(fields=["expires_at"], name="login_session_expires_idx"),
            models.Index(fields=["revoked_at"], name="login_session_revoked_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.id}"

    @property
    def amr_list(self) -> list[str]:
        return self.amr.split()
