"""The security audit trail: one call per security event.

The lowest layer of accounts/: every capability records here, and this imports none of them
(the user is any AbstractBaseUser).

``audit_record`` writes the event twice: a record on the ``authsvc.audit`` logger
(first, so it exists even if the database is down) and a row in ``audit_logs``.
Never pass a password, token or email in ``details``: ids and outcomes only
(``details`` is scrubbed anyway, as every log record is).

Transactions: the row is written on the caller's connection, inside the caller's
transaction if there is one. A success event is part of the change it records: if
the change rolls back, so does its row. A failure event must be recorded *after* any
transaction that may roll back (the login service does so: it runs in autocommit,
``ATOMIC_REQUESTS`` is off). A separate connection was rejected: on SQLite it would
wait on the caller's own write lock, on PostgreSQL its foreign-key check could wait
on rows the caller has locked. The log record is written whatever happens.
"""

import logging
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from accounts.audit.models import AuditLog
from authsvc import metrics
from authsvc.clientip import client_ip
from authsvc.context import current_request_id, request_user_id_set
from authsvc.logging import redact_value

logger = logging.getLogger("authsvc.audit")


class AuditAction(StrEnum):
    USER_REGISTERED = "user_registered"
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"
    ACCOUNT_LOCKED = "account_locked"
    ACCOUNT_UNLOCKED = "account_unlocked"  # details: {"by": <admin user id>} or {"by": "expiry"}
    TOKEN_REFRESHED = "token_refreshed"
    LOGOUT = "logout"
    TOKEN_REUSE_DETECTED = "token_reuse_detected"
    PASSWORD_CHANGED = "password_changed"
    SESSIONS_ENDED = "sessions_ended"  # details: {"by": "admin:<id>", "count": n}
    PASSWORD_RESET_REQUESTED = "password_reset_requested"  # failure: {"reason": "mail_cap"}
    PASSWORD_RESET = "password_reset"  # failure: {"reason": "token_invalid"}, no user
    EMAIL_VERIFICATION_SENT = "email_verification_sent"  # failure: {"reason": "mail_cap"}
    EMAIL_VERIFIED = "email_verified"  # failure: {"reason": "token_invalid"}, no user
    # failure: {"reason": "wrong_current_password"} or {"reason": "mail_cap"}
    EMAIL_CHANGE_REQUESTED = "email_change_requested"
    EMAIL_CHANGED = "email_changed"  # failure: {"reason": "token_invalid"}, no user
    MFA_ENABLED = "mfa_enabled"  # failure: {"reason": "wrong_current_password"}
    MFA_DISABLED = "mfa_disabled"
    MFA_RESET = "mfa_reset"  # details: {"by": "admin:<id>" or "command:mfa_reset"}
    MFA_FAILED = "mfa_failed"  # a wrong second factor; details: {"method": ...}
    RECOVERY_CODE_USED = "recovery_code_used"
    RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated"
    # Details name a passkey "key" (its row id): "passkey" or "credential" would be redacted
    # as if they held a secret (authsvc.logging matches "pass" and "credential").
    PASSKEY_ADDED = "passkey_added"  # details: {"key": <id>}
    PASSKEY_REMOVED = "passkey_removed"  # {"key": <id>, "by": "self" or "admin:<id>"}
    # success: {"key": <id>, "ceremony": "login" or "mfa"}; failure: {"reason": ...}
    PASSKEY_LOGIN = "passkey_login"
    PASSKEY_COUNTER_REGRESSED = "passkey_counter_regressed"  # {"key", "stored", "received"}


class AuditStatus(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"


def audit_record(
    *,
    action: AuditAction,
    status: AuditStatus = AuditStatus.SUCCESS,
    user: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
    details: dict[str, Any] | None = None,
) -> AuditLog:
    """Record one security event. ``request`` supplies IP and user agent when there is one."""
    ip_address = client_ip(request) if request is not None else None
    safe_details = redact_value(details or {})
    logger.info(
        "audit %s %s",
        action.value,
        status.value,
        extra={
            "audit_action": action.value,
            "audit_status": status.value,
            "user_id": str(user.pk) if user is not None else None,
            "client_ip": ip_address,
            "details": safe_details,
        },
    )
    if request is not None and user is not None:
        request_user_id_set(request, user.pk)  # the access log now knows who this was
    _count(action, status)
    return AuditLog.objects.create(
        user_id=user.pk if user is not None else None,
        action=action.value,
        status=status.value,
        request_id=current_request_id() or "",
        ip_address=ip_address,
        user_agent=_user_agent(request),
        details=safe_details,
    )


def _user_agent(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return request.headers.get("User-Agent", "")[: AuditLog.USER_AGENT_MAX_LENGTH]


def _count(action: AuditAction, status: AuditStatus) -> None:
    metrics.AUDIT_EVENTS.labels(action=action.value, status=status.value).inc()
    if action is AuditAction.USER_REGISTERED and status is AuditStatus.SUCCESS:
        metrics.REGISTRATIONS.inc()
    elif action is AuditAction.ACCOUNT_LOCKED:
        metrics.LOCKOUTS.inc()


def audit_logs_purge(*, older_than: datetime, batch_size: int = 5000) -> int:
    """Delete rows created before ``older_than``, in short batches; returns how many.

    Short transactions: a purge must not hold locks over the whole table.
    """
    expired = AuditLog.objects.filter(created_at__lt=older_than)
    deleted = 0
    while batch := list(expired.order_by("id").values_list("id", flat=True)[:batch_size]):
        deleted += AuditLog.objects.filter(id__in=batch).delete()[0]
    return deleted
