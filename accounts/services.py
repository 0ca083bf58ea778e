"""Account writes: registration and login. Views call these; errors are raised, not returned."""

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.audit import AuditAction, AuditStatus, audit_record
from accounts.models import User
from authsvc.exceptions import Conflict, InvalidCredentials, ValidationFailed


def _taken_field(*, username: str, email: str) -> str | None:
    if User.objects.by_login(username).exists():
        return "username"
    if User.objects.by_login(email).exists():
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


@sensitive_variables("password")
def user_login(*, request: HttpRequest, login: str, password: str) -> User:
    """The user whose username or email is ``login``; InvalidCredentials for every failure.

    Unknown login, wrong password and inactive account are indistinguishable by
    status, body and (one hash each) time.
    """
    user = authenticate(request, username=login, password=password)
    if not isinstance(user, User):
        audit_record(action=AuditAction.LOGIN_FAILED, status=AuditStatus.FAILURE, request=request)
        raise InvalidCredentials()
    user.last_login = timezone.now()
    User.objects.filter(pk=user.pk).update(last_login=user.last_login)
    audit_record(action=AuditAction.LOGIN_SUCCEEDED, user=user, request=request)
    return user
