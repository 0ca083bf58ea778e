"""Second-factor writes: TOTP enrolment and removal, recovery codes, the login's second
stage, and an operator's reset.

Every second-factor check goes through ``factor_attempt``: the account's lockout takes a number
first (a locked account is refused before any code is looked at), a wrong code stays
counted like a wrong password, and a right one is taken back. Six digits cannot be
brute-forced through any endpoint that takes them: logins, turning MFA off, new codes.
"""

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import NoReturn

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.audit.services import AuditAction, AuditStatus, audit_record
from accounts.login.lockout import (
    Attempt,
    lockout_attempt_begin,
    lockout_attempt_uncount,
    lockout_error,
    user_lockout_key,
)
from accounts.login.services import account_lock_announce, user_login_complete
from accounts.mfa.models import MfaChallenge, RecoveryCode, TotpDevice
from accounts.mfa.selectors import (
    MFA_TOKEN_DEAD,
    mfa_challenge_live,
    mfa_challenges_live,
    secret_digest,
    totp_device_confirmed,
)
from accounts.mfa.totp import (
    totp_code_consume,
    totp_qr_svg,
    totp_secret_new,
    totp_secret_seal,
    totp_uri,
)
from accounts.passwords.services import current_password_verify
from accounts.tokens.models import RevokeReason
from accounts.tokens.services import sessions_revoke_all
from accounts.users.models import User
from authsvc.clientip import client_ip
from authsvc.exceptions import (
    Conflict,
    MfaCodeInvalid,
    MfaLoginCodeInvalid,
    MfaRequired,
    ServiceError,
    ServiceUnavailable,
    TokenInvalid,
)
from authsvc.mail import mail_enqueue_template

RECOVERY_CODE_COUNT = 10
# 16 characters of Crockford's base32 (no i, l, o, u): 80 random bits per code.
_RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
# Crockford's reading of look-alikes, so a code copied by hand still matches.
_RECOVERY_LOOKALIKES = str.maketrans({"o": "0", "i": "1", "l": "1"})

# RFC 8176 method values; "recovery_code" is ours (RFC 8176 §2 allows unregistered ones).
AMR_TOTP = ["pwd", "otp", "mfa"]
AMR_RECOVERY_CODE = ["pwd", "mfa", "recovery_code"]
# The `methods` of an account with TOTP on: its recovery codes come with it.
TOTP_METHODS = ["totp", "recovery_code"]


@dataclass(frozen=True)
class TotpEnrolment:
    secret: str
    otpauth_uri: str
    qr_svg: str


def _recovery_code_new() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _recovery_code_normal(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower().translate(_RECOVERY_LOOKALIKES)


def _recovery_codes_replace(*, user: User) -> list[str]:
    """Ten new codes for ``user``; the old set is void. Only digests are stored."""
    codes = [_recovery_code_new() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=secret_digest(_recovery_code_normal(code)))
        for code in codes
    )
    return codes


def _recovery_code_consume(*, user: User, code: str) -> bool:
    """Use one of ``user``'s codes: one conditional UPDATE, so a code works once however
    many requests carry it at the same time."""
    digest = secret_digest(_recovery_code_normal(code))
    used = RecoveryCode.objects.filter(user=user, code_hash=digest, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    return used == 1


def _lock_announce(*, user: User, attempt: Attempt, request: HttpRequest | None) -> None:
    """A wrong code that locks the account: audited and mailed like a password's."""
    if attempt.locks_account:
        ip = client_ip(request) if request is not None else None
        account_lock_announce(user=user, attempt=attempt, request=request, ip=ip)


def factor_attempt(
    *,
    user: User,
    lockout_key: str,
    request: HttpRequest | None,
    wrong: type[ServiceError],
    method: str,
    verify: Callable[[], list[str] | None],
    take_back: bool = True,
) -> list[str]:
    """One try of a second factor of ``user``: ``verify`` answers the ``amr`` it proves, or
    None; ``wrong`` is raised (and audited as ``mfa_failed`` with ``method``) when it is None.

    The attempt is counted on ``lockout_key`` before ``verify`` runs and taken back when
    the factor is right (unless ``take_back`` is off: a login that succeeds resets the whole
    count anyway): a locked account is refused (423) without a look at the factor, and a
    wrong one counts like a wrong password. A factor that could not be checked at all (503)
    counts nothing.
    """
    attempt = lockout_attempt_begin(key=lockout_key)
    if not attempt.allowed:
        raise lockout_error(key=lockout_key, attempt=attempt)
    try:
        amr = verify()
    except ServiceUnavailable:
        lockout_attempt_uncount(key=lockout_key)
        raise
    if amr is None:
        audit_record(
            action=AuditAction.MFA_FAILED,
            status=AuditStatus.FAILURE,
            user=user,
            request=request,
            details={"method": method},
        )
        _lock_announce(user=user, attempt=attempt, request=request)
        raise wrong()
    if take_back:
        lockout_attempt_uncount(key=lockout_key)
    return amr


@sensitive_variables("code", "recovery_code")
def _factor_check(
    *,
    user: User,
    code: str | None,
    recovery_code: str | None,
    lockout_key: str,
    request: HttpRequest | None,
    wrong: type[ServiceError],
    device: TotpDevice | None = None,
    take_back: bool = True,
) -> list[str]:
    """``factor_attempt`` with a TOTP code of ``device`` (by default the confirmed one) or a
    recovery code."""

    def verify() -> list[str] | None:
        totp = device or totp_device_confirmed(user=user)
        if code is not None and totp is not None and totp_code_consume(device=totp, code=code):
            return AMR_TOTP
        if recovery_code is not None and _recovery_code_consume(user=user, code=recovery_code):
            audit_record(action=AuditAction.RECOVERY_CODE_USED, user=user, request=request)
            return AMR_RECOVERY_CODE
        return None

    method = "totp" if code is not None else "recovery_code"
    return factor_attempt(
        user=user,
        lockout_key=lockout_key,
        request=request,
        wrong=wrong,
        method=method,
        verify=verify,
        take_back=take_back,
    )


def totp_enrolment_start(*, user: User) -> TotpEnrolment:
    """A new pending TOTP secret for ``user``, replacing a pending one.

    Conflict when TOTP is already on: turning it off first needs a second factor, so a
    stolen access token and password cannot swap the owner's authenticator for theirs.
    """
    if totp_device_confirmed(user=user) is not None:
        raise Conflict("TOTP is already on; turn it off first to enrol another authenticator.")
    secret = totp_secret_new()
    TotpDevice.objects.update_or_create(
        user=user,
        defaults={
            "name": "Authenticator app",
            "confirmed": False,
            "confirmed_at": None,
            "sealed_key": totp_secret_seal(secret),
            "last_t": -1,
            "created_at": timezone.now(),
        },
    )
    uri = totp_uri(secret=secret, account=user.email or user.username)
    return TotpEnrolment(secret=secret, otpauth_uri=uri, qr_svg=totp_qr_svg(uri))


@sensitive_variables("current_password")
def totp_enrol_begin(
    *, user: User, current_password: str, request: HttpRequest | None = None
) -> TotpEnrolment:
    """``totp_enrolment_start`` after the current password (one hash)."""
    current_password_verify(
        user=user,
        current_password=current_password,
        action=AuditAction.MFA_ENABLED,
        request=request,
    )
    return totp_enrolment_start(user=user)


@sensitive_variables("code")
def totp_enrol_confirm(*, user: User, code: str, request: HttpRequest | None = None) -> list[str]:
    """Turn TOTP on with the first code of the pending secret; the ten recovery codes.

    Every session of the account ends: none of them proved the second factor (the caller
    gets a new one). Conflict when no enrolment is pending.
    """
    device = TotpDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        raise Conflict("No TOTP enrolment is pending; start one with POST /mfa/totp.")
    _factor_check(
        user=user,
        code=code,
        recovery_code=None,
        lockout_key=user_lockout_key(user),
        request=request,
        wrong=MfaCodeInvalid,
        device=device,
    )
    with transaction.atomic():
        TotpDevice.objects.filter(pk=device.pk).update(confirmed=True, confirmed_at=timezone.now())
        codes = _recovery_codes_replace(user=user)
        sessions_revoke_all(user=user, reason=RevokeReason.MFA_ENABLED)
    audit_record(action=AuditAction.MFA_ENABLED, user=user, request=request)
    return codes


@sensitive_variables("code", "recovery_code")
def _factor_of_enabled_check(
    *, user: User, code: str | None, recovery_code: str | None, request: HttpRequest | None
) -> None:
    """A logged-in user proves the second factor again; Conflict when TOTP is off."""
    device = totp_device_confirmed(user=user)
    if device is None:
        raise Conflict("TOTP is not on.")
    _factor_check(
        user=user,
        code=code,
        recovery_code=recovery_code,
        lockout_key=user_lockout_key(user),
        request=request,
        wrong=MfaCodeInvalid,
        device=device,
    )


def _mfa_remove(*, user: User) -> bool:
    deleted, _ = TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    MfaChallenge.objects.filter(user=user, used_at__isnull=True).delete()
    return deleted > 0


@sensitive_variables("code", "recovery_code")
def totp_disable(
    *,
    user: User,
    code: str | None = None,
    recovery_code: str | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Turn TOTP (and the recovery codes) off, given a fresh second factor."""
    _factor_of_enabled_check(user=user, code=code, recovery_code=recovery_code, request=request)
    with transaction.atomic():
        _mfa_remove(user=user)
    audit_record(action=AuditAction.MFA_DISABLED, user=user, request=request)


@sensitive_variables("code")
def recovery_codes_regenerate(
    *, user: User, code: str, request: HttpRequest | None = None
) -> list[str]:
    """A new set of ten recovery codes, given a TOTP code; the old set is void."""
    _factor_of_enabled_check(user=user, code=code, recovery_code=None, request=request)
    with transaction.atomic():
        codes = _recovery_codes_replace(user=user)
    audit_record(action=AuditAction.RECOVERY_CODES_REGENERATED, user=user, request=request)
    return codes


def mfa_login_begin(
    *,
    user: User,
    lockout_key: str,
    request: HttpRequest,
    extra_methods: Sequence[str] = (),
) -> NoReturn:
    """The password was right and ``user`` has TOTP on (the caller checked): raise
    MfaRequired with a new ``mfa_token`` and the account's methods (``extra_methods`` from
    capabilities above this one, such as passkeys). Nothing is issued, counted or reset
    yet: the password's attempt is taken back, and the second factor decides."""
    lockout_attempt_uncount(key=lockout_key)
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    MfaChallenge.objects.create(
        user=user,
        token_hash=secret_digest(token),
        lockout_key=lockout_key,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.AUTH_MFA_TOKEN_TTL),
    )
    raise MfaRequired(mfa_token=token, methods=[*TOTP_METHODS, *extra_methods])


def mfa_challenge_take(*, mfa_token: str) -> MfaChallenge:
    """The live challenge of ``mfa_token`` (its active user loaded) with one more try
    used; TokenInvalid when it is unknown, used, expired or out of tries, or its account
    was deactivated. One conditional UPDATE takes the try."""
    challenge = mfa_challenge_live(mfa_token=mfa_token)
    live = mfa_challenges_live(mfa_token=mfa_token).filter(pk=challenge.pk)
    # F(): the row's count, not the one read above, or parallel requests that read the
    # same count all write the same next value and each get a try.
    if live.update(tries=F("tries") + 1) != 1:
        raise TokenInvalid(MFA_TOKEN_DEAD)
    return challenge


def mfa_login_finish(*, challenge: MfaChallenge, amr: list[str], request: HttpRequest) -> User:
    """The second factor of ``challenge`` was right: the challenge is used up (TokenInvalid
    if a parallel request used it first) and the login completed, which resets the account's
    lockout count (its trusted devices' with it: their keys share its prefix)."""
    used = MfaChallenge.objects.filter(pk=challenge.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if used != 1:
        raise TokenInvalid(MFA_TOKEN_DEAD)
    user_login_complete(request=request, user=challenge.user, details={"amr": amr})
    return challenge.user


@sensitive_variables("mfa_token", "code", "recovery_code")
def mfa_login_complete(
    *,
    mfa_token: str,
    code: str | None = None,
    recovery_code: str | None = None,
    request: HttpRequest,
) -> tuple[User, list[str]]:
    """The second stage of a login: the user and the session's ``amr`` when the factor is
    right (the lockout count reset, the login audited), MfaLoginCodeInvalid when it is not
    (counted toward the lockout), TokenInvalid for a dead ``mfa_token``."""
    challenge = mfa_challenge_take(mfa_token=mfa_token)
    amr = _factor_check(
        user=challenge.user,
        code=code,
        recovery_code=recovery_code,
        lockout_key=challenge.lockout_key,
        request=request,
        wrong=MfaLoginCodeInvalid,
        take_back=False,
    )
    return mfa_login_finish(challenge=challenge, amr=amr, request=request), amr


def mfa_reset(*, user: User, by: str, request: HttpRequest | None = None) -> bool:
    """An operator turns ``user``'s second factor off (a lost phone and no recovery code
    left); audited with ``by``, and the owner is told by mail. Whether there was one."""
    with transaction.atomic():
        had_mfa = _mfa_remove(user=user)
        audit_record(
            action=AuditAction.MFA_RESET,
            user=user,
            request=request,
            details={"by": by, "had_mfa": had_mfa},
        )
        if had_mfa and user.email:
            mail_enqueue_template(
                to=user.email,
                template="mfa_reset_notice",
                subject=settings.AUTH_MFA_RESET_NOTICE_SUBJECT,
                context={"username": user.username, "when": timezone.now()},
            )
    return had_mfa


def mfa_challenges_purge(*, retention: timedelta) -> int:
    """Delete pending logins that expired more than ``retention`` ago; how many."""
    cutoff = timezone.now() - retention
    deleted, _ = MfaChallenge.objects.filter(expires_at__lt=cutoff).delete()
    return deleted
