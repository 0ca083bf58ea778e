"""Client of the Pwned Passwords range API (https://haveibeenpwned.com/API/v3#PwnedPasswords).

k-anonymity: only the first 5 hex characters of the password's SHA-1 leave the service;
the API answers with every known suffix under that prefix, and the match is made here.
``Add-Padding: true`` makes every answer a similar size, so an observer of the (TLS)
traffic cannot guess the prefix from the response length.
"""

import hashlib
import logging

from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from authsvc.breakers import breaker
from authsvc.outbound import OutboundError, outbound_request

logger = logging.getLogger("authsvc.pwned")

BREAKER_NAME = "pwned_passwords"
PREFIX_LENGTH = 5


@sensitive_variables("password", "digest")
def password_breach_count(*, password: str) -> int | None:
    """How many times ``password`` appears in known breaches; None when the check failed.

    Never raises for an upstream problem (slow, failing, breaker open, malformed answer):
    it logs a warning and returns None, and the caller decides (registration fails open).
    """
    # SHA-1 is what the API indexes by; it is not used here to protect anything.
    digest = hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()
    prefix, suffix = digest[:PREFIX_LENGTH], digest[PREFIX_LENGTH:]
    try:
        response = outbound_request(
            breaker=breaker(BREAKER_NAME),
            method="GET",
            url=f"{settings.AUTH_PWNED_PASSWORDS_URL.rstrip('/')}/range/{prefix}",
            headers={"Add-Padding": "true"},
        )
    except OutboundError as exc:
        logger.warning("breached-password check skipped: %s", exc)
        return None
    return _count_for_suffix(response.text, suffix)


def _count_for_suffix(body: str, suffix: str) -> int | None:
    """The count on the ``SUFFIX:COUNT`` line for ``suffix``; 0 if absent; None if garbled."""
    for line in body.splitlines():
        candidate, _, count = line.strip().partition(":")
        if candidate.upper() != suffix:
            continue
        try:
            # Padding lines carry a count of 0: they are not breaches.
            return int(count)
        except ValueError:
            logger.warning("breached-password check skipped: malformed answer")
            return None
    return 0
