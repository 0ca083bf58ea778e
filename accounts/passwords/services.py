"""Password changes by the account holder."""

import uuid

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.audit.services import AuditAction, AuditStatus, audit_record
from accounts.tokens.models import LoginSession, RevokeReason
from accounts.tokens.services import sessions_revoke_all
from accounts.users.models import User
from authsvc.exceptions import ValidationFailed


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

    A wrong current password is a 400 on ``current_password`` (not a 401: the access
    token is fine, and a 401 would send clients into their refresh logic). The new
    password passes the same validators as registration. The calling session stays
    logged in: it has just proved the new password (as Django's update_session_auth_hash).
    """
    if not user.check_password(current_password):
        audit_record(
            action=AuditAction.PASSWORD_CHANGED,
            status=AuditStatus.FAILURE,
            user=user,
            request=request,
            details={"reason": "wrong_current_password"},
        )
        raise ValidationFailed(errors={"current_password": ["The current password is incorrect."]})
    if new_password == current_password:
        raise ValidationFailed(
            errors={"new_password": ["The new password must differ from the current one."]}
        )
    try:
        validate_password(new_password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(errors={"new_password": exc.messages}) from exc
    now = timezone.now()
    user.set_password(new_password)
    user.password_changed_at = now
    with transaction.atomic():
        user.save(update_fields=["password", "password_changed_at"])
        LoginSession.objects.filter(id=current_session_id, user=user).update(authenticated_at=now)
        revoked = sessions_revoke_all(
            user=user, reason=RevokeReason.PASSWORD_CHANGED, keep_session_id=current_session_id
        )
    audit_record(
        action=AuditAction.PASSWORD_CHANGED,
        user=user,
        request=request,
        details={"other_sessions_revoked": revoked},
    )
