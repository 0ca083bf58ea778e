"""Outbound mail: queued with the request's transaction, delivered by a worker.

``mail_enqueue`` is how the service sends mail (lockout notices now; password reset and
email verification later). It writes a task row (django-tasks' database backend) in the
surrounding transaction, so the mail exists exactly when the work that caused it commits:
a rolled-back transaction leaves no mail behind, and a committed one cannot lose its mail
to a crash between the commit and an after-commit hook. The request never talks to SMTP:
a slow or dead mail server cannot slow it down.

``manage.py db_worker`` runs ``mail_deliver``, which sends through ``mail_send`` (the
"mail" circuit breaker; each SMTP operation bounded by EMAIL_TIMEOUT). A failed delivery
is queued again with ``run_after`` (django-tasks has no retries of its own) after an
exponentially growing delay, MAIL_MAX_ATTEMPTS times in all, then given up: logged and
counted. Delivery is at least once: a worker that dies mid-task leaves its task
"running", and the next ``db_worker`` to start puts it back in the queue
(authsvc.taskqueue), so a mail the server had accepted just before the crash is sent again.

Logs name neither the recipients nor the bodies: bodies carry tokens. For the same
reason a queued body is sealed (Fernet, a key derived from SECRET_KEY with HKDF): the task
row keeps it until results are pruned, and a copy of the database alone must not yield a
token that still works. SECRET_KEY_FALLBACKS still open mails sealed before a key rotation.
"""

import logging
import smtplib
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pybreaker
from cryptography.fernet import MultiFernet
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from authsvc.breakers import breaker
from authsvc.metrics import MAILS
from authsvc.sealing import sealer

logger = logging.getLogger("authsvc.mail")

BREAKER_NAME = "mail"
# What mail_deliver returns, recorded as the task's result.
SENT, RETRIED, GIVEN_UP = "sent", "retried", "given_up"


def _deliver(message: EmailMultiAlternatives) -> None:
    message.connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
    message.send(fail_silently=False)


def _message(
    *, to: Sequence[str], subject: str, body: str, html_body: str | None
) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(subject, body, settings.AUTH_MAIL_FROM, list(to))
    if html_body is not None:
        message.attach_alternative(html_body, "text/html")
    return message


def _send(*, to: Sequence[str], subject: str, body: str, html_body: str | None = None) -> str:
    """One delivery attempt: "sent", "failed" (worth another try) or "refused" (not)."""
    message = _message(to=to, subject=subject, body=body, html_body=html_body)
    try:
        with breaker(BREAKER_NAME).calling():
            _deliver(message)
    except pybreaker.CircuitBreakerError:
        logger.warning("mail not sent: the mail circuit breaker is open")
        return "failed"
    except Exception as exc:
        # Deliberately broad: whatever the backend raises is this attempt's failure.
        logger.warning("mail not sent: %s", exc.__class__.__name__, exc_info=exc)
        # Refused recipients are a verdict on the address, not an outage: no retry.
        return "refused" if isinstance(exc, smtplib.SMTPRecipientsRefused) else "failed"
    return "sent"


def mail_send(*, to: Sequence[str], subject: str, body: str, html_body: str | None = None) -> bool:
    """Send now, in this process; True when the mail server accepted it, else logs and False.

    The low-level deliverer behind the queue: request code calls ``mail_enqueue``.
    """
    return _send(to=to, subject=subject, body=body, html_body=html_body) == "sent"


def _queue_sealer() -> MultiFernet:
    return sealer((settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS), b"authsvc mail queue")


def mail_seal(text: str) -> str:
    """``text`` as the queue stores it: encrypted and authenticated."""
    return _queue_sealer().encrypt(text.encode()).decode()


def mail_unseal(sealed: str) -> str:
    return _queue_sealer().decrypt(sealed.encode()).decode()


def retry_delay(attempt: int) -> timedelta:
    """Wait before attempt ``attempt + 1``: MAIL_RETRY_BASE_SECONDS, doubled each time."""
    return timedelta(seconds=settings.MAIL_RETRY_BASE_SECONDS * 2 ** (attempt - 1))


@task()
def mail_deliver(
    *,
    to: list[str],
    subject: str,
    sealed_body: str,
    sealed_html_body: str | None = None,
    attempt: int = 1,
) -> str:
    """The queued task: one delivery attempt, and the next one queued if it failed.

    Never raises: a failure is either a retry queued or a mail given up, both logged. The
    retry is a new task, written before this one is marked done: a crash in between at
    worst leaves this task unfinished, never the mail without a next attempt.
    """
    max_attempts = settings.MAIL_MAX_ATTEMPTS
    body = mail_unseal(sealed_body)
    html_body = mail_unseal(sealed_html_body) if sealed_html_body is not None else None
    outcome = _send(to=to, subject=subject, body=body, html_body=html_body)
    if outcome == "sent":
        MAILS.labels(event=SENT).inc()
        return SENT
    if outcome == "failed" and attempt < max_attempts:
        delay = retry_delay(attempt)
        mail_deliver.using(run_after=timezone.now() + delay).enqueue(
            to=to,
            subject=subject,
            sealed_body=sealed_body,
            sealed_html_body=sealed_html_body,
            attempt=attempt + 1,
        )
        MAILS.labels(event=RETRIED).inc()
        logger.info(
            "mail attempt %d of %d failed; next attempt in %d s",
            attempt,
            max_attempts,
            delay.total_seconds(),
            extra={"attempt": attempt, "max_attempts": max_attempts},
        )
        return RETRIED
    MAILS.labels(event=GIVEN_UP).inc()
    logger.error(
        "mail given up after %d attempt(s): %s",
        attempt,
        "recipient refused" if outcome == "refused" else "every attempt failed",
        extra={"attempt": attempt, "max_attempts": max_attempts},
    )
    return GIVEN_UP


def mail_enqueue(
    *, to: Sequence[str], subject: str, body: str, html_body: str | None = None
) -> str | None:
    """Queue a mail with the surrounding transaction; its task id, or None if not queued.

    Never raises: a mail that cannot be queued is logged, and the request goes on (the
    row is written in a savepoint, so a failure here does not doom the caller's work).
    """
    try:
        with transaction.atomic():
            result = mail_deliver.enqueue(
                to=list(to),
                subject=subject,
                sealed_body=mail_seal(body),
                sealed_html_body=mail_seal(html_body) if html_body is not None else None,
            )
    except Exception as exc:
        logger.warning("mail not queued: %s", exc.__class__.__name__, exc_info=exc)
        return None
    # Counted when it commits: a rolled-back mail was never queued.
    transaction.on_commit(MAILS.labels(event="queued").inc)
    return result.id


def mail_enqueue_template(*, to: str, template: str, subject: str, context: dict[str, Any]) -> None:
    """Queue ``templates/mail/<template>.{txt,html}`` to ``to`` (see ``mail_enqueue``)."""
    context = {**context, "subject": subject}
    body = render_to_string(f"mail/{template}.txt", context).strip() + "\n"
    html_body = render_to_string(f"mail/{template}.html", context)
    mail_enqueue(to=[to], subject=subject, body=body, html_body=html_body)
