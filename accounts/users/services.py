"""Account writes: registration. Views call these; errors are raised, not returned."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from accounts.audit.services import AuditAction, audit_record
from accounts.users.models import User
from authsvc.exceptions import Conflict, ValidationFailed


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
    if taken := User.objects.login_taken(username=username, email=user.email):
        raise _conflict(taken)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError as exc:
        # Lost a race with a concurrent registration: the constraints decided.
        taken = User.objects.login_taken(username=username, email=user.email)
        raise _conflict(taken or "username") from exc
    audit_record(action=AuditAction.USER_REGISTERED, user=user, request=request)
    return user
