"""Mailed one-time tokens. The table holds only a SHA-256 of each token: a copy of it
(a backup, a read-only SQL injection) cannot be used to reset a password."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class TokenPurpose(models.TextChoices):
    PASSWORD_RESET = "password_reset", "Password reset"
    EMAIL_VERIFY = "email_verify", "Email verification"
    EMAIL_CHANGE = "email_change", "Email change"


class RecoveryToken(models.Model):
    """One mailed token, bound to one account and to the address it was mailed to.

    ``used_at`` is set by one conditional UPDATE: of two concurrent confirms exactly one
    changes the row. Expired and used rows are evidence only; nothing reads them again.
    """

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_tokens"
    )
    purpose = models.CharField(max_length=32, choices=TokenPurpose.choices)
    # SHA-256 hex of the token: the token has 256 random bits, so no salt or slow hash.
    token_hash = models.CharField(max_length=64, unique=True)
    # The address the token was mailed to: a token outlives no change of the address.
    email = models.EmailField(max_length=254)
    # An email change's destination (the token was mailed there); empty for other purposes.
    new_email = models.EmailField(max_length=254, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "recovery_tokens"
        indexes = [
            # The per-address cap counts a user's recent tokens of one purpose.
            models.Index(fields=["user", "purpose", "created_at"], name="recovery_user_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.created_at:%Y-%m-%d %H:%M:%S}"
