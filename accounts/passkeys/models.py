"""Passkeys and the challenges of their ceremonies.

A passkey row holds only public material: the credential id and its COSE public key. A
database copy lets no one log in.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.mfa.models import MfaChallenge

# WebAuthn §5.8.3: a credential id is at most 1023 bytes, 1364 characters of base64url.
CREDENTIAL_ID_MAX_LENGTH = 1364
PASSKEY_NAME_MAX_LENGTH = 64


class Passkey(models.Model):
    """One WebAuthn credential of an account, registered as a discoverable credential."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passkeys"
    )
    credential_id = models.CharField(
        max_length=CREDENTIAL_ID_MAX_LENGTH, unique=True, help_text="Base64url, unpadded."
    )
    public_key = models.BinaryField(help_text="The COSE_Key the authenticator attested.")
    # The authenticator's signature counter; 0 for one that keeps none (WebAuthn §6.1.1).
    sign_count = models.BigIntegerField(default=0)
    name = models.CharField(max_length=PASSKEY_NAME_MAX_LENGTH)
    aaguid = models.CharField(max_length=36, blank=True, help_text="The authenticator's model.")
    backed_up = models.BooleanField(default=False, help_text="Synced to a cloud keychain.")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "passkeys"
        indexes = [models.Index(fields=["user", "created_at"], name="passkey_user_created_idx")]

    def __str__(self) -> str:
        return self.name


class Ceremony(models.TextChoices):
    REGISTRATION = "registration"
    LOGIN = "login"
    MFA = "mfa"


class PasskeyChallenge(models.Model):
    """The random challenge of one ceremony, bound to it: a registration of one account, a
    usernameless login, or the second factor of one pending login (an ``MfaChallenge``).

    Single use: ``used_at`` is set by one conditional UPDATE, so of two requests with one
    challenge exactly one goes on. Not secret: the client saw it in the options.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ceremony = models.CharField(max_length=16, choices=Ceremony.choices)
    challenge = models.BinaryField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="passkey_challenges",
    )
    mfa_challenge = models.ForeignKey(
        MfaChallenge,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="passkey_challenges",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "passkey_challenges"
        indexes = [models.Index(fields=["expires_at"], name="passkey_challenge_expires_idx")]

    def __str__(self) -> str:
        return f"{self.ceremony}/{self.id}"
