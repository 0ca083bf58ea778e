"""Second-factor reads."""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from accounts.mfa.models import MfaChallenge, RecoveryCode, TotpDevice
from accounts.users.models import User
from authsvc.exceptions import TokenInvalid

MFA_TOKEN_MAX_TRIES = 5
MFA_TOKEN_DEAD = "The mfa_token is invalid, expired, used up or already used."  # noqa: S105


def secret_digest(value: str) -> str:
    """SHA-256 of a high-entropy secret (mfa token, recovery code): what the tables keep."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def totp_device_confirmed(*, user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed=True).first()


def mfa_enabled(*, user: User) -> bool:
    """Whether a login of ``user`` needs a second factor."""
    # A login's account lookup read it with the account (User.objects.for_login): a
    # moment before the hash rather than after it, which changes nothing an enrolment
    # racing the login could rely on (the login could as well have finished first).
    known = user.__dict__.get("has_confirmed_totp")
    if known is not None:
        return bool(known)
    return TotpDevice.objects.filter(user=user, confirmed=True).exists()


@dataclass(frozen=True)
class MfaStatus:
    totp_enabled: bool
    totp_confirmed_at: datetime | None
    recovery_codes_remaining: int


def mfa_status(*, user: User) -> MfaStatus:
    device = totp_device_confirmed(user=user)
    remaining = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
    return MfaStatus(
        totp_enabled=device is not None,
        totp_confirmed_at=device.confirmed_at if device is not None else None,
        recovery_codes_remaining=remaining if device is not None else 0,
    )


def mfa_challenges_live(*, mfa_token: str) -> QuerySet[MfaChallenge]:
    """The pending login of ``mfa_token`` if it is unused, unexpired and has tries left."""
    return MfaChallenge.objects.filter(
        token_hash=secret_digest(mfa_token),
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
        tries__lt=MFA_TOKEN_MAX_TRIES,
    )


def mfa_challenge_live(*, mfa_token: str) -> MfaChallenge:
    """The live pending login of ``mfa_token`` with its user, read without using a try;
    TokenInvalid when there is none or its account was deactivated."""
    challenge = mfa_challenges_live(mfa_token=mfa_token).select_related("user").first()
    if challenge is None or not challenge.user.is_active:
        raise TokenInvalid(MFA_TOKEN_DEAD)
    return challenge
