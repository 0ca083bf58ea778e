"""The one idea of the client's IP address, used by rate limits, lockout and logs.

By default the socket's address is used and X-Forwarded-For is ignored, so a client
cannot choose its own IP. With AUTH_TRUSTED_PROXIES=N, N proxies we control stand in
front and each appends the address it saw: the client is the entry N hops from the
right (OWASP: "X-Forwarded-For ... only trust the rightmost values you added").
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid_ip(value: str) -> str | None:
    candidate = value.strip()
    if candidate.startswith("[") and "]" in candidate:  # [v6]:port
        candidate = candidate[1 : candidate.index("]")]
    elif candidate.count(":") == 1:  # v4:port
        candidate = candidate.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's address; never raises, whatever the headers hold."""
    socket_ip = request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 (a label, not a bind)
    hops = settings.AUTH_TRUSTED_PROXIES
    if hops <= 0:
        return socket_ip
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part]
    if len(forwarded) < hops:
        # Fewer entries than proxies: the header was not built by our proxies; fall back.
        return socket_ip
    return _valid_ip(forwarded[-hops]) or socket_ip
