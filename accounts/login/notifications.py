"""Messages to account owners about security events on their account."""

import logging
import math
from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.users.models import User
from authsvc.mail import mail_send

logger = logging.getLogger("authsvc.notifications")

LOCKOUT_NOTICE_SUBJECT = "Your account was locked after failed sign-in attempts"
HARD_LOCK_NOTICE_SUBJECT = "Your account is locked until you reset your password"


def _lockout_notice_key(user: User, locked_until: datetime) -> str:
    # Keyed by the lock's end too: a new lock after an early unlock is a new lockout.
    return f"lockout-notice:{user.pk}:{locked_until.timestamp():.6f}"


def _first_notice_of_this_lockout(*, user: User, locked_until: datetime) -> bool:
    """True once per lockout: a cache key that lives exactly as long as the lockout."""
    ttl_seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    try:
        return bool(cache.add(_lockout_notice_key(user, locked_until), 1, timeout=ttl_seconds))
    except Exception:
        # Cache down: a repeated notice is better than a lockout the owner never hears of.
        logger.warning("lockout notice: cache unavailable, not deduplicating", exc_info=True)
        return True


def _lockout_notice_body(*, user: User, ip: str | None, locked_until: datetime) -> str:
    return (
        f"Hello {user.username},\n\n"
        f"At {timezone.now():%Y-%m-%d %H:%M:%S} UTC your account was locked after too many "
        f"failed sign-in attempts from IP address {ip or 'unknown'}.\n\n"
        f"The lock ends by itself at {locked_until:%Y-%m-%d %H:%M:%S} UTC; after that you can "
        "sign in as usual. Until then every sign-in is refused, even with the right password.\n\n"
        "If these attempts were not yours, someone may be guessing your password: "
        "choose a new, unique password once the lock ends.\n"
    )


def _hard_lock_notice_body(*, user: User, ip: str | None) -> str:
    return (
        f"Hello {user.username},\n\n"
        f"At {timezone.now():%Y-%m-%d %H:%M:%S} UTC your account was locked after a long run "
        f"of failed sign-in attempts, the last from IP address {ip or 'unknown'}.\n\n"
        "This lock does not end by itself: reset your password, or ask an administrator to "
        "unlock the account. Until then every sign-in is refused, even with the right "
        "password.\n\n"
        "If these attempts were not yours, someone has been guessing your password for a "
        "long time: choose a new, unique password.\n"
    )


def lockout_notify(*, user: User, ip: str | None, locked_until: datetime | None) -> None:
    """Email ``user`` that their account is locked until ``locked_until`` (aware datetime),
    or, when it is None, until a password reset or an unlock (the hard limit).

    At most one notice per lockout, however often it is called while the lock lasts (the
    hard limit is reached by exactly one attempt). Sent after the surrounding transaction
    commits (at once outside one), so a rolled-back lockout sends nothing. Never raises:
    a mail failure is logged by ``mail_send``.
    """
    if not user.email:
        return
    if locked_until is None:
        subject, body = HARD_LOCK_NOTICE_SUBJECT, _hard_lock_notice_body(user=user, ip=ip)
    elif _first_notice_of_this_lockout(user=user, locked_until=locked_until):
        subject = LOCKOUT_NOTICE_SUBJECT
        body = _lockout_notice_body(user=user, ip=ip, locked_until=locked_until.astimezone(UTC))
    else:
        return
    transaction.on_commit(lambda: mail_send(to=[user.email], subject=subject, body=body))


def lockout_notice_on_account_locked(
    sender: Any, *, user: User | None, ip: str | None, locked_until: datetime | None, **kwargs: Any
) -> None:
    """Receiver of ``accounts.signals.account_locked`` (connected in AccountsConfig.ready).

    A lock of a name with no account mails no one: there is no owner, and answering
    differently would reveal which names exist.
    """
    if user is not None:
        lockout_notify(user=user, ip=ip, locked_until=locked_until)
