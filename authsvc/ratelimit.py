"""Per-client-IP rate limits on django-ratelimit's core API, raising our own errors.

Why not the decorator: its ``Ratelimited`` is a ``PermissionDenied`` (a 403), and on
``dispatch`` it raises outside DRF's exception handling. Why a callable key: ``post:``
keys read ``request.POST``, which is empty for JSON bodies. The key is
``authsvc.clientip.client_ip``, so X-Forwarded-For counts only behind trusted proxies.
"""

import ipaddress
import logging

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

from authsvc.clientip import client_ip
from authsvc.exceptions import RateLimited, ServiceUnavailable

logger = logging.getLogger("authsvc.ratelimit")

# One IPv6 host usually holds a whole /64; limiting single addresses would be free to dodge.
IPV6_PREFIX_LENGTH = 64
STORE_DOWN_RETRY_AFTER_SECONDS = 5
# What an unreachable store raises: django-redis wraps redis errors; sockets fail as OSError.
_STORE_ERRORS = (ConnectionInterrupted, RedisError, OSError)


def client_network(group: str, request: HttpRequest) -> str:
    """The rate-limit key: the client IP, or its /64 for IPv6."""
    address = ipaddress.ip_address(client_ip(request))
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX_LENGTH}", strict=False))
    return str(address)


def _store_unreachable(*, group: str, reason: str) -> None:
    fail_open = settings.AUTH_RATELIMIT_FAIL_OPEN
    logger.warning(
        "rate-limit store unreachable (%s); failing %s",
        reason,
        "open" if fail_open else "closed",
        extra={"ratelimit_group": group},
    )
    if not fail_open:
        raise ServiceUnavailable(retry_after_seconds=STORE_DOWN_RETRY_AFTER_SECONDS)


def rate_limit_enforce(*, request: HttpRequest, group: str, rate: str) -> None:
    """Count this request against ``rate`` for its client; RateLimited past the limit.

    Every call counts, including the one refused. An unreachable store fails open
    (logged) or closed (ServiceUnavailable) per AUTH_RATELIMIT_FAIL_OPEN, never a 500.
    """
    try:
        usage = get_usage(request, group=group, key=client_network, rate=rate, increment=True)
    except _STORE_ERRORS as exc:
        _store_unreachable(group=group, reason=exc.__class__.__name__)
        return
    if usage is None:  # RATELIMIT_ENABLE is off
        return
    if usage["time_left"] < 0:
        # get_usage's own "could not count" answer (RATELIMIT_FAIL_OPEN unset: limit 0).
        _store_unreachable(group=group, reason="no count")
        return
    if usage["should_limit"]:
        raise RateLimited(retry_after_seconds=max(1, usage["time_left"]))
