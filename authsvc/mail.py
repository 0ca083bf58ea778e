"""Outbound mail through Django's configured backend, guarded by the "mail" breaker.

``mail_send`` is the one way the service sends mail (lockout notices now; password
reset and email verification later). It never raises: a mail failure must not turn
the request that caused it into a 500. Each SMTP socket operation is bounded by
EMAIL_TIMEOUT, and an open breaker skips sending without touching the network.
"""

import logging
from collections.abc import Sequence

import pybreaker
from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from authsvc.breakers import breaker

logger = logging.getLogger("authsvc.mail")

BREAKER_NAME = "mail"


def _deliver(message: EmailMessage) -> None:
    message.connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
    message.send(fail_silently=False)


def mail_send(*, to: Sequence[str], subject: str, body: str) -> bool:
    """Send a plain-text message; True when the mail server accepted it, else logs and False."""
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, list(to))
    try:
        with breaker(BREAKER_NAME).calling():
            _deliver(message)
    except pybreaker.CircuitBreakerError:
        logger.warning("mail not sent: the mail circuit breaker is open")
        return False
    except Exception as exc:
        # Deliberately broad: whatever the backend raises, the request goes on.
        logger.warning("mail not sent: %s", exc.__class__.__name__, exc_info=exc)
        return False
    return True
