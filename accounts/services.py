"""Account writes: registration and login. Views call these; errors are raised, not returned."""

import math

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.audit import AuditAction, AuditStatus, audit_record
from accounts.lockout import Attempt, lockout_seconds_remaining, login_lockout_key
from accounts.models import User
from authsvc.exceptions import AccountLocked, Conflict, InvalidCredentials, ValidationFailed


def _taken_field(*, username: str, email: str) -> str | None:
    if User.objects.for_login(username) is not None:
        return "username"
    if User.objects.for_login(email) is not None:
        return "email"
    return None


def _conflict(field: str) -> Conflict:
    return Conflict(
        f"This {field} is already taken.", errors={field: [f"This {field} is already taken."]}
    )


@sensitive_variables("password")
def user_register(
    *, request: HttpRequest | None = None, username: str, email: str, password: str
) -> User:
    """Create an active account; raises ValidationFailed (password policy) or Conflict.

    Exactly one password hash is computed, and only for a registration that can succeed.
    """
    user = User(username=username, email=User.objects.normalize_email(email))
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(errors={"password": exc.messages}) from exc
    if taken := _taken_field(username=username, email=user.email):
        raise _conflict(taken)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError as exc:
        # Lost a race with a concurrent registration: the constraints decided.
        raise _conflict(_taken_field(username=username, email=user.email) or "username") from exc
    audit_record(action=AuditAction.USER_REGISTERED, user=user, request=request)
    return user


def _locked(request: HttpRequest, login: str) -> AccountLocked:
    attempt: Attempt | None = getattr(request, "lockout_attempt", None)
    if attempt is not None:
        seconds = math.ceil((attempt.locked_until - timezone.now()).total_seconds())
    else:
        seconds = lockout_seconds_remaining(key=login_lockout_key(login))
    return AccountLocked(retry_after_seconds=max(1, seconds))


@sensitive_variables("password")
def user_login(*, request: HttpRequest, login: str, password: str) -> User:
    """The user whose username or email is ``login``; InvalidCredentials for every failure.

    Unknown login, wrong password and inactive account are indistinguishable by
    status, body and (one hash each) time. A locked account (known or not) is
    AccountLocked at the cost of no hash: AxesBackend refuses it before any backend
    runs, and the 423 already says all there is to say.
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
    # Django's receivers set last_login; axes' handler resets the lockout count and logs access.
    user_logged_in.send(sender=User, request=request, user=user)
    audit_record(action=AuditAction.LOGIN_SUCCEEDED, user=user, request=request)
    return user
