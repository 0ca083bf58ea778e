"""Every model of the app, gathered from the capability that owns it (Django looks here)."""

from accounts.audit.models import AuditLog
from accounts.login.models import LoginLockout
from accounts.mfa.models import MfaChallenge, RecoveryCode, TotpDevice
from accounts.passkeys.models import Passkey, PasskeyChallenge
from accounts.recovery.models import RecoveryToken, TokenPurpose
from accounts.tokens.models import LoginSession, RevokeReason
from accounts.users.models import User

__all__ = [
    "AuditLog",
    "LoginLockout",
    "LoginSession",
    "MfaChallenge",
    "Passkey",
    "PasskeyChallenge",
    "RecoveryCode",
    "RecoveryToken",
    "RevokeReason",
    "TokenPurpose",
    "TotpDevice",
    "User",
]
