"""Password changes by the account holder.

Whatever sets a password (this service, the admin's form, ``manage.py changepassword``),
``User.save`` records ``password_changed_at`` and signals ``password_set``; the tokens
capability ends the sessions that have not proved the new password. One mechanism, no
per-view code.
"""

import uuid

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.audit.services import AuditAction, AuditStatus, audit_record
from accounts.tokens.models import LoginSession
from accounts.users.models import User
from authsvc.exceptions import ValidationFailed


@sensitive_variables("current_password")
def current_password_verify(
    *, user: User, current_password: str, action: AuditAction, request: HttpRequest | None
) -> None:
    """The check before a change that needs the password again (a new password, address or
    second factor): a wrong one is audited as a failed ``action`` and is a 400 on
    ``current_password``, not a 401: the access token is fine, and a 401 would send
    clients into their refresh logic."""
    if not user.check_password(current_password):
        audit_record(
            action=action,
            status=AuditStatus.FAILURE,
            user=user,
            request=request,
            details={"reason": "wrong_current_password"},
        )
        raise ValidationFailed(errors={"current_password": ["The current password is incorrect."]})


@sensitive_variables("current_password", "new_password")
def user_password_change(
    *,
    user: User,
    current_session_id: uuid.UUID,
    current_password: str,
    new_password: str,
    request: HttpRequest | None = None,
) -> None:
    """Set a new password after checking the current one; end every OTHER login session.

    A wrong current password is a 400 on ``current_password``. The new password passes the
    same validators as registration. The calling session stays logged in: it has just
    proved the new password (as Django's update_session_auth_hash).
    """
    current_password_verify(
        user=user,
        current_password=current_password,
        action=AuditAction.PASSWORD_CHANGED,
        request=request,
    )
    if new_password == current_password:
        raise ValidationFailed(
            errors={"new_password": ["The new password must differ from the current one."]}
        )
    try:
        validate_password(new_password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(errors={"new_password": exc.messages}) from exc
    now = timezone.now()
    with transaction.atomic():
        # The calling session proves the new password at the instant of the change, so the
        # save's password_set signal (tokens: sessions_end_on_password_set) ends only the others.
        LoginSession.objects.filter(id=current_session_id, user=user).update(authenticated_at=now)
        user.set_password(new_password, changed_at=now)
        user.save(update_fields=["password"])
    audit_record(action=AuditAction.PASSWORD_CHANGED, user=user, request=request)
