"""Messages to account owners about security events on their account."""

import logging
import math
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.users.models import User
from authsvc.mail import mail_enqueue

logger = logging.getLogger("authsvc.notifications")


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


def _notice(template: str, context: dict[str, Any]) -> tuple[str, str]:
    """The text and HTML bodies of ``templates/mail/<template>.{txt,html}``."""
    text = render_to_string(f"mail/{template}.txt", context).strip() + "\n"
    return text, render_to_string(f"mail/{template}.html", context)


def _stamp(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S}"


def lockout_notify(*, user: User, ip: str | None, locked_until: datetime | None) -> None:
    """Email ``user`` that their account is locked until ``locked_until`` (aware datetime),
    or, when it is None, until a password reset or an unlock (the hard limit).

    At most one notice per lockout, however often it is called while the lock lasts (the
    hard limit is reached by exactly one attempt). Queued in the surrounding transaction
    (authsvc.mail), so a rolled-back lockout sends nothing, and delivered by the worker:
    the locking request never waits for SMTP. Never raises.
    """
    if not user.email:
        return
    context: dict[str, Any] = {
        "username": user.username,
        "ip": ip or "unknown",
        "locked_at": _stamp(timezone.now()),
    }
    if locked_until is None:
        template, subject = "hard_lock_notice", settings.AUTH_HARD_LOCK_NOTICE_SUBJECT
    elif _first_notice_of_this_lockout(user=user, locked_until=locked_until):
        template, subject = "lockout_notice", settings.AUTH_LOCKOUT_NOTICE_SUBJECT
        context["locked_until"] = _stamp(locked_until)
    else:
        return
    body, html_body = _notice(template, {**context, "subject": subject})
    mail_enqueue(to=[user.email], subject=subject, body=body, html_body=html_body)


def lockout_notice_on_account_locked(
    sender: Any, *, user: User | None, ip: str | None, locked_until: datetime | None, **kwargs: Any
) -> None:
    """Receiver of ``accounts.signals.account_locked`` (connected in AccountsConfig.ready).

    A lock of a name with no account mails no one: there is no owner, and answering
    differently would reveal which names exist.
    """
    if user is not None:
        lockout_notify(user=user, ip=ip, locked_until=locked_until)
