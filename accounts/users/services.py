"""Account writes: registration. Views call these; errors are raised, not returned."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
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
    Call it in a transaction: a concurrent registration that takes the name or address
    after the check here makes the INSERT raise IntegrityError, which only a rollback of
    that transaction answers (``registration_conflict`` then names what was taken). A
    savepoint of its own would cost every registration two more round trips.
    """
    user = User(username=username, email=User.objects.normalize_email(email))
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(errors={"password": exc.messages}) from exc
    if taken := User.objects.login_taken(username=username, email=user.email):
        raise _conflict(taken)
    user.set_password(password)
    user.save(force_insert=True)
    audit_record(action=AuditAction.USER_REGISTERED, user=user, request=request)
    return user


def registration_conflict(*, username: str, email: str, error: IntegrityError) -> Conflict:
    """The 409 for a registration whose INSERT lost a race (its transaction rolled back);
    ``error`` again when neither value is taken, since then it was no race."""
    taken = User.objects.login_taken(username=username, email=User.objects.normalize_email(email))
    if taken is None:
        raise error
    return _conflict(taken)
