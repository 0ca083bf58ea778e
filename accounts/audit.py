"""The security audit trail: one call per security event.

Services call ``audit_record``; it writes the event to the ``authsvc.audit`` logger
(and, once the operability issue lands, to the audit_logs table). Never pass a
password, token or email in ``details``: ids and outcomes only.
"""

import logging
from enum import StrEnum
from typing import Any

from django.http import HttpRequest

from accounts.models import User
from authsvc.clientip import client_ip
from authsvc.context import current_request_id

logger = logging.getLogger("authsvc.audit")


class AuditAction(StrEnum):
    USER_REGISTERED = "user_registered"
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"
    ACCOUNT_LOCKED = "account_locked"
    ACCOUNT_UNLOCKED = "account_unlocked"
    TOKEN_REFRESHED = "token_refreshed"
    LOGOUT = "logout"
    TOKEN_REUSE_DETECTED = "token_reuse_detected"
    PASSWORD_CHANGED = "password_changed"


class AuditStatus(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"


def audit_record(
    *,
    action: AuditAction,
    status: AuditStatus = AuditStatus.SUCCESS,
    user: User | None = None,
    request: HttpRequest | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Record one security event. ``request`` supplies IP and user agent when there is one."""
    logger.info(
        "audit %s %s",
        action.value,
        status.value,
        extra={
            "audit_action": action.value,
            "audit_status": status.value,
            "user_id": str(user.pk) if user is not None else None,
            "request_id": current_request_id(),
            "client_ip": client_ip(request) if request is not None else None,
            "details": details or {},
        },
    )
