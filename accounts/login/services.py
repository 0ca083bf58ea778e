"""Login writes: a login attempt, and an unlock. Views and commands call these."""

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from accounts.audit.services import AuditAction, AuditStatus, audit_record
from accounts.login.lockout import (
    Attempt,
    lockout_error,
    lockout_is_locked,
    lockout_reset,
    login_lockout_key,
    user_lockout_key,
)
from accounts.login.signals import account_locked
from accounts.users.models import User
from authsvc.exceptions import AccountLocked, EmailUnverified, InvalidCredentials

logger = logging.getLogger("authsvc.lockout")


def _locked(request: HttpRequest, login: str) -> AccountLocked:
    attempt: Attempt | None = getattr(request, "lockout_attempt", None)
    return lockout_error(key=login_lockout_key(login, request), attempt=attempt)


@sensitive_variables("password")
def user_password_check(*, request: HttpRequest, login: str, password: str) -> User:
    """The user whose username or email is ``login``; InvalidCredentials for every failure.

    Unknown login, wrong password and inactive account are indistinguishable by
    status, body and (one hash each) time. A locked account (known or not) is
    AccountLocked at the cost of no hash: AxesBackend refuses it before any backend
    runs, and the 423 already says all there is to say.

    The attempt stays counted: ``user_login_complete`` ends the login (and resets the
    count), or a second factor takes over (``accounts.mfa``).
    """
    # The real HttpRequest: axes sees logins only through it (axes #478/#877).
    user = authenticate(request, username=login, password=password)
    if getattr(request, "axes_locked_out", False):
        audit_record(
            action=AuditAction.LOGIN_FAILED,
            status=AuditStatus.FAILURE,
            request=request,
            details={"reason": "account_locked"},
        )
        raise _locked(request, login)
    if not isinstance(user, User):
        audit_record(action=AuditAction.LOGIN_FAILED, status=AuditStatus.FAILURE, request=request)
        raise InvalidCredentials()
    # Only after the password check: a guesser learns nothing about the address from it.
    login_email_verified_require(user=user, request=request)
    return user


def login_email_verified_require(*, user: User, request: HttpRequest) -> None:
    """EmailUnverified (audited) for an account whose address is not verified while
    AUTH_REQUIRE_VERIFIED_EMAIL is on. Call it only once the first factor proved the account."""
    if settings.AUTH_REQUIRE_VERIFIED_EMAIL and user.email_verified_at is None:
        audit_record(
            action=AuditAction.LOGIN_FAILED,
            status=AuditStatus.FAILURE,
            user=user,
            request=request,
            details={"reason": "email_unverified"},
        )
        raise EmailUnverified()


def user_login_complete(
    *, request: HttpRequest, user: User, details: dict[str, Any] | None = None
) -> None:
    """A login has proved all it needs: the success's side effects and its audit row."""
    # Django's receivers set last_login; axes' handler resets the lockout count.
    user_logged_in.send(sender=User, request=request, user=user)
    audit_record(action=AuditAction.LOGIN_SUCCEEDED, user=user, request=request, details=details)


def account_lock_announce(
    *, user: User | None, attempt: Attempt, request: HttpRequest | None, ip: str | None
) -> None:
    """The failure that locked an account (a password's or a second factor's): logged,
    audited, and signalled (``account_locked``: the owner's notice mail)."""
    locked_until = None if attempt.until_reset else attempt.locked_until
    logger.warning("account locked", extra={"user_id": str(user.pk) if user else None})
    audit_record(
        action=AuditAction.ACCOUNT_LOCKED,
        status=AuditStatus.FAILURE,
        user=user,
        request=request,
        details={"locked_until": locked_until.isoformat() if locked_until else "reset"},
    )
    account_locked.send(sender=User, user=user, ip=ip, locked_until=locked_until, request=request)


def user_unlock(*, user: User, by: str, request: HttpRequest | None = None) -> bool:
    """Clear ``user``'s lockout and failure count; audited with ``by`` (who unlocked).

    ``by`` is an id, not a name: ``"admin:<user id>"`` or ``"command:unlock_user"``.
    Returns whether the account was locked.
    """
    was_locked = lockout_is_locked(key=user_lockout_key(user))
    lockout_reset(key=user_lockout_key(user))
    audit_record(
        action=AuditAction.ACCOUNT_UNLOCKED,
        user=user,
        request=request,
        details={"unlocked_by": by, "was_locked": was_locked},
    )
    return was_locked
