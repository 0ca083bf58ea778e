"""Second-factor state: one TOTP device per account, its recovery codes, and pending logins.

Nothing here is usable as found in a database copy: the TOTP secret is sealed with
AUTH_FIELD_ENCRYPTION_KEY (``accounts.mfa.secrets``), recovery codes and mfa tokens are
kept as SHA-256 digests (each has at least 80 random bits, so no salt or slow hash).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_otp.models import Device


class TotpDevice(Device):
    """An authenticator app's shared secret. django-otp's ``Device`` base lets the admin's
    OTP session machinery (``django_otp.login``, ``user.is_verified()``) use it.

    ``confirmed`` is False between enrolment and its first code. ``last_t`` is the last
    accepted time step: a code is accepted only for a later step, and moving ``last_t``
    is one conditional UPDATE, so of two requests with one code exactly one succeeds
    (django-otp's own TOTPDevice records it with a plain save, which races).
    """

    # Declared again only to name the reverse accessor (the base leaves Django's default).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mfa_totp_devices"
    )
    sealed_key = models.TextField(help_text="The base32 secret, sealed (Fernet).")
    last_t = models.BigIntegerField(default=-1)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "mfa_totp_devices"
        verbose_name = "TOTP device"
        constraints = [
            models.UniqueConstraint(fields=["user"], name="mfa_totp_one_per_user"),
        ]

    def verify_token(self, token: object) -> bool:
        """django-otp's entry point (the admin's login form): one code, consumed once."""
        from accounts.mfa.totp import totp_code_consume  # the model must not import services

        return totp_code_consume(device=self, code=str(token))


class RecoveryCode(models.Model):
    """One of an account's ten single-use recovery codes, as a digest."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mfa_recovery_codes"
    )
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "mfa_recovery_codes"
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="mfa_recovery_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.id}"


class MfaChallenge(models.Model):
    """A login between its password and its second factor: what ``mfa_token`` stands for.

    Bound to one account; dies when used, after AUTH_MFA_TOKEN_TTL seconds, or after
    MFA_TOKEN_MAX_TRIES codes. ``tries`` moves by one conditional UPDATE per code, so
    parallel requests cannot try more codes than that between them.
    """

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mfa_challenges"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    # The password step's lockout key (the account's, or a trusted device's of it): wrong
    # codes count where wrong passwords from the same client count.
    lockout_key = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "mfa_challenges"
        indexes = [models.Index(fields=["expires_at"], name="mfa_challenge_expires_idx")]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.id}"
