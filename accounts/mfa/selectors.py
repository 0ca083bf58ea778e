"""Second-factor reads."""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from accounts.mfa.models import RecoveryCode, TotpDevice
from accounts.users.models import User


def secret_digest(value: str) -> str:
    """SHA-256 of a high-entropy secret (mfa token, recovery code): what the tables keep."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def totp_device_confirmed(*, user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed=True).first()


def mfa_enabled(*, user: User) -> bool:
    """Whether a login of ``user`` needs a second factor."""
    return TotpDevice.objects.filter(user=user, confirmed=True).exists()


def mfa_methods(*, user: User) -> list[str]:
    """The second factors ``user`` can answer a login with (the ``methods`` member)."""
    return ["totp", "recovery_code"] if mfa_enabled(user=user) else []


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
