"""Recovery writes: mail a password reset, an address verification or an email change,
and confirm each.

Tokens are 256 random bits, mailed once and stored as a SHA-256 (models.RecoveryToken).
A confirm consumes its token with one conditional UPDATE inside the transaction that
sets the password: of two concurrent confirms exactly one changes the row, and the other
reports ``token_invalid``. Mail is queued in the same transaction (authsvc.mail): the
request never talks to the mail server, so a known and an unknown address cost the same.
"""

import secrets
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.audit.services import AuditAction, AuditStatus, audit_record
from accounts.login.lockout import lockout_reset, user_lockout_key
from accounts.passwords.services import current_password_verify
from accounts.recovery.models import RecoveryToken, TokenPurpose
from accounts.recovery.selectors import token_digest, token_usable
from accounts.users.models import User
from authsvc.clientip import client_ip
from authsvc.exceptions import Conflict, RecoveryTokenInvalid, ValidationFailed
from authsvc.mail import mail_enqueue_template

# AUTH_PASSWORD_RESET_MAX_MAILS counts the mails of one purpose to one account in this window.
MAIL_CAP_WINDOW = timedelta(hours=1)


def _stamp(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S}"


def frontend_link(path: str, token: str) -> str:
    # A fragment: browsers send it to no server, so the token is in no access log or Referer.
    return f"{settings.AUTH_FRONTEND_URL.rstrip('/')}/{path}#token={token}"


def token_issue(*, user: User, purpose: TokenPurpose, ttl_seconds: int, new_email: str = "") -> str:
    """A new token for ``user``, bound to their current address; only its digest is kept."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    RecoveryToken.objects.create(
        user=user,
        purpose=purpose,
        token_hash=token_digest(token),
        email=user.email,
        new_email=new_email,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds),
    )
    return token


def _token_consume(row: RecoveryToken) -> bool:
    """Mark ``row`` used; False when another request used it first (or it just expired)."""
    now = timezone.now()
    return (
        RecoveryToken.objects.filter(pk=row.pk, used_at__isnull=True, expires_at__gt=now).update(
            used_at=now
        )
        == 1
    )


def _mails_recently(user: User, purpose: TokenPurpose) -> int:
    since = timezone.now() - MAIL_CAP_WINDOW
    return RecoveryToken.objects.filter(user=user, purpose=purpose, created_at__gte=since).count()


def password_reset_request(*, email: str, request: HttpRequest | None = None) -> None:
    """Mail a reset link to the active account with this address; nothing otherwise.

    The caller answers the same whatever happened here. Past
    ``AUTH_PASSWORD_RESET_MAX_MAILS`` mails to one account in an hour nothing more is
    queued: an attacker cannot bomb an inbox through this endpoint.
    """
    user = User.objects.for_login(email.strip())
    if user is None or not user.is_active or not user.email:
        return
    with transaction.atomic():
        if (
            _mails_recently(user, TokenPurpose.PASSWORD_RESET)
            >= settings.AUTH_PASSWORD_RESET_MAX_MAILS
        ):
            audit_record(
                action=AuditAction.PASSWORD_RESET_REQUESTED,
                status=AuditStatus.FAILURE,
                user=user,
                request=request,
                details={"reason": "mail_cap"},
            )
            return
        ttl = settings.AUTH_PASSWORD_RESET_TTL
        token = token_issue(user=user, purpose=TokenPurpose.PASSWORD_RESET, ttl_seconds=ttl)
        mail_enqueue_template(
            to=user.email,
            template="password_reset",
            subject=settings.AUTH_PASSWORD_RESET_SUBJECT,
            context={
                "username": user.username,
                "link": frontend_link("reset-password", token),
                "token": token,
                "minutes": max(1, ttl // 60),
            },
        )
        audit_record(action=AuditAction.PASSWORD_RESET_REQUESTED, user=user, request=request)


def _refused(request: HttpRequest | None, action: AuditAction) -> RecoveryTokenInvalid:
    audit_record(
        action=action,
        status=AuditStatus.FAILURE,
        request=request,
        details={"reason": "token_invalid"},
    )
    return RecoveryTokenInvalid()


@sensitive_variables("token", "new_password")
def password_reset_confirm(
    *, token: str, new_password: str, request: HttpRequest | None = None
) -> User:
    """Set a new password through a mailed token; RecoveryTokenInvalid or ValidationFailed.

    Exactly one password hash. Every session of the account ends (User.save signals
    password_set), its lockout is cleared, the owner is told. No login: the app signs in
    with the new password, so no later second factor can be skipped through a reset.
    """
    row = token_usable(token=token, purpose=TokenPurpose.PASSWORD_RESET)
    if row is None:
        raise _refused(request, AuditAction.PASSWORD_RESET)
    user = row.user
    try:
        validate_password(new_password, user)
    except DjangoValidationError as exc:
        # The token stays usable: a refused password is the owner's typo, not an attack.
        raise ValidationFailed(errors={"new_password": exc.messages}) from exc
    with transaction.atomic():
        if not _token_consume(row):
            raise RecoveryTokenInvalid()
        user.set_password(new_password)
        fields = ["password"]
        if user.email_verified_at is None:
            # The token reached this very address (it dies when the address changes): the
            # owner has just proved it, which is also the way out of an expired verification
            # mail when AUTH_REQUIRE_VERIFIED_EMAIL hands out no token for a resend.
            user.email_verified_at = timezone.now()
            fields.append("email_verified_at")
        user.save(update_fields=fields)
        # A reset is the way out of a lock (even one that lasts until a reset).
        was_locked = lockout_reset(key=user_lockout_key(user))
        audit_record(
            action=AuditAction.PASSWORD_RESET,
            user=user,
            request=request,
            details={"lockout_cleared": was_locked},
        )
        mail_enqueue_template(
            to=user.email,
            template="password_reset_notice",
            subject=settings.AUTH_PASSWORD_RESET_NOTICE_SUBJECT,
            context={
                "username": user.username,
                "reset_at": _stamp(user.password_changed_at or timezone.now()),
                "ip": (client_ip(request) if request is not None else None) or "unknown",
            },
        )
    return user


def email_verification_send(
    *, user: User, request: HttpRequest | None = None, just_registered: bool = False
) -> bool:
    """Queue a mail with a token proving ``user``'s address; whether one was queued.

    Nothing for an address already verified, and nothing past
    ``AUTH_PASSWORD_RESET_MAX_MAILS`` verification mails to the account in an hour
    (``just_registered``: the account was created in this transaction, so it has none).
    """
    if user.email_verified_at is not None or not user.is_active or not user.email:
        return False
    # No savepoint: any error here is the caller's too (mail_enqueue keeps its own).
    with transaction.atomic(savepoint=False):
        if (
            not just_registered
            and _mails_recently(user, TokenPurpose.EMAIL_VERIFY)
            >= settings.AUTH_PASSWORD_RESET_MAX_MAILS
        ):
            audit_record(
                action=AuditAction.EMAIL_VERIFICATION_SENT,
                status=AuditStatus.FAILURE,
                user=user,
                request=request,
                details={"reason": "mail_cap"},
            )
            return False
        ttl = settings.AUTH_EMAIL_VERIFY_TTL
        token = token_issue(user=user, purpose=TokenPurpose.EMAIL_VERIFY, ttl_seconds=ttl)
        mail_enqueue_template(
            to=user.email,
            template="email_verify",
            subject=settings.AUTH_EMAIL_VERIFY_SUBJECT,
            context={
                "username": user.username,
                "link": frontend_link("verify-email", token),
                "token": token,
                "hours": max(1, ttl // 3600),
            },
        )
        audit_record(action=AuditAction.EMAIL_VERIFICATION_SENT, user=user, request=request)
    return True


@sensitive_variables("token")
def email_verify(*, token: str, request: HttpRequest | None = None) -> User:
    """Mark the address a mailed token was sent to as the owner's; RecoveryTokenInvalid."""
    row = token_usable(token=token, purpose=TokenPurpose.EMAIL_VERIFY)
    if row is None:
        raise _refused(request, AuditAction.EMAIL_VERIFIED)
    user = row.user
    with transaction.atomic():
        if not _token_consume(row):
            raise RecoveryTokenInvalid()
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at"])
        audit_record(action=AuditAction.EMAIL_VERIFIED, user=user, request=request)
    return user


def _taken(new_email: str, user: User) -> bool:
    other = User.objects.for_login(new_email)
    return other is not None and other.pk != user.pk


def _email_conflict() -> Conflict:
    message = "This email is already taken."
    return Conflict(message, errors={"new_email": [message]})


@sensitive_variables("current_password")
def email_change_request(
    *, user: User, new_email: str, current_password: str, request: HttpRequest | None = None
) -> None:
    """Mail a token to ``new_email`` that moves ``user`` there; the address is unchanged
    until the owner of the new mailbox confirms.

    ValidationFailed for a wrong current password or the same address; Conflict when the
    address belongs to another account. Past ``AUTH_PASSWORD_RESET_MAX_MAILS`` change mails
    an hour the answer is the same and nothing is queued.
    """
    current_password_verify(
        user=user,
        current_password=current_password,
        action=AuditAction.EMAIL_CHANGE_REQUESTED,
        request=request,
    )
    new_email = User.objects.normalize_email(new_email.strip())
    if new_email.lower() == user.email.lower():
        raise ValidationFailed(errors={"new_email": ["This is already your address."]})
    if _taken(new_email, user):
        raise _email_conflict()
    with transaction.atomic():
        if (
            _mails_recently(user, TokenPurpose.EMAIL_CHANGE)
            >= settings.AUTH_PASSWORD_RESET_MAX_MAILS
        ):
            audit_record(
                action=AuditAction.EMAIL_CHANGE_REQUESTED,
                status=AuditStatus.FAILURE,
                user=user,
                request=request,
                details={"reason": "mail_cap"},
            )
            return
        ttl = settings.AUTH_EMAIL_VERIFY_TTL
        token = token_issue(
            user=user, purpose=TokenPurpose.EMAIL_CHANGE, ttl_seconds=ttl, new_email=new_email
        )
        mail_enqueue_template(
            to=new_email,
            template="email_change",
            subject=settings.AUTH_EMAIL_CHANGE_SUBJECT,
            context={
                "username": user.username,
                "link": frontend_link("confirm-email", token),
                "token": token,
                "hours": max(1, ttl // 3600),
            },
        )
        audit_record(action=AuditAction.EMAIL_CHANGE_REQUESTED, user=user, request=request)


@sensitive_variables("token")
def email_change_confirm(*, token: str, request: HttpRequest | None = None) -> User:
    """Move the account to the address the token was mailed to; it counts as verified.

    RecoveryTokenInvalid, or Conflict when another account took the address meanwhile
    (the token then stays unused). The old address is told; tokens mailed to it (reset,
    verification) die with it.
    """
    row = token_usable(token=token, purpose=TokenPurpose.EMAIL_CHANGE)
    if row is None:
        raise _refused(request, AuditAction.EMAIL_CHANGED)
    user = row.user
    old_email = user.email
    with transaction.atomic():
        if not _token_consume(row):
            raise RecoveryTokenInvalid()
        if _taken(row.new_email, user):
            raise _email_conflict()
        user.email = row.new_email
        user.email_verified_at = timezone.now()
        try:
            with transaction.atomic():
                user.save(update_fields=["email", "email_verified_at"])
        except IntegrityError as exc:
            # Lost a race with a registration or another change: the constraint decided.
            raise _email_conflict() from exc
        audit_record(action=AuditAction.EMAIL_CHANGED, user=user, request=request)
        mail_enqueue_template(
            to=old_email,
            template="email_changed_notice",
            subject=settings.AUTH_EMAIL_CHANGED_NOTICE_SUBJECT,
            context={
                "username": user.username,
                "new_email": user.email,
                "changed_at": _stamp(user.email_verified_at),
                "ip": (client_ip(request) if request is not None else None) or "unknown",
            },
        )
    return user


def recovery_tokens_purge(*, retention: timedelta) -> int:
    """Delete mailed tokens that expired more than ``retention`` ago; how many."""
    cutoff = timezone.now() - retention
    deleted, _ = RecoveryToken.objects.filter(expires_at__lt=cutoff).delete()
    return deleted
