"""Outbound HTTP: every call bounded in time, traced, and guarded by its upstream's breaker.

Contract of ``outbound_request``:
- connect and read timeouts from settings; the whole call, retries included, never takes
  longer than connect + read timeout (so a retry only happens after a fast failure);
- ``X-Request-ID`` carries the current request's id to the upstream;
- idempotent methods (RFC 9110 §9.2.2) are retried ``OUTBOUND_RETRIES`` times with
  jittered exponential backoff; other methods never are; no retry once the breaker opens;
- returns 2xx/3xx responses; raises ``UpstreamRejected`` on 4xx (not counted by the
  breaker) and ``UpstreamUnavailable`` on timeouts, connection errors, 5xx or an open
  breaker. Both derive from ``OutboundError``, the one class callers catch to fall back.
"""

import logging
import random
import threading
import time
from collections.abc import Mapping

import httpx
import pybreaker
from django.conf import settings

from authsvc.breakers import NotCounted
from authsvc.context import outbound_headers

logger = logging.getLogger("authsvc.outbound")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
USER_AGENT = "authsvc/1.0"


class OutboundError(Exception):
    """The upstream could not be used; the caller's fallback should run."""


class UpstreamUnavailable(OutboundError):
    """Timeout, connection error, 5xx, or the upstream's breaker is open."""


class UpstreamRejected(OutboundError):
    """The upstream answered 4xx: it is up, so the breaker does not count this."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"upstream answered {response.status_code}")
        self.response = response


class _ServerError(Exception):
    """A 5xx answer, raised inside the breaker so that it counts as a failure."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"upstream answered {response.status_code}")
        self.response = response


_client: httpx.Client | None = None
_client_lock = threading.Lock()


def _http_client() -> httpx.Client:
    """One pooled client per process, created on first use (after gunicorn forks)."""
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(headers={"User-Agent": USER_AGENT}, follow_redirects=False)
        return _client


def _attempt_timeout(remaining_seconds: float) -> httpx.Timeout:
    connect = min(settings.OUTBOUND_CONNECT_TIMEOUT_MS / 1000, remaining_seconds)
    read = min(settings.OUTBOUND_READ_TIMEOUT_MS / 1000, remaining_seconds)
    return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)


def _backoff_seconds(attempt: int) -> float:
    # Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): retries
    # from many workers do not arrive at the upstream in step.
    return random.uniform(0, settings.OUTBOUND_RETRY_BACKOFF_MS / 1000 * 2**attempt)  # noqa: S311


class _Rejected(UpstreamRejected, NotCounted):
    """UpstreamRejected as raised through the breaker, which must not count it."""


def _send(
    breaker: pybreaker.CircuitBreaker,
    method: str,
    url: str,
    headers: Mapping[str, str],
    timeout: httpx.Timeout,
) -> httpx.Response:
    # breaker.calling(), not breaker.call(): call() holds the breaker's lock for the whole
    # request, which would queue every thread of a worker behind one slow upstream.
    with breaker.calling():
        response = _http_client().request(method, url, headers=headers, timeout=timeout)
        if response.status_code >= 500:
            raise _ServerError(response)
        if response.status_code >= 400:
            raise _Rejected(response)
    return response


def outbound_request(
    *,
    breaker: pybreaker.CircuitBreaker,
    method: str,
    url: str,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """One HTTP call to an upstream, under the contract in this module's docstring."""
    all_headers = {**(headers or {}), **outbound_headers()}
    retries = settings.OUTBOUND_RETRIES if method.upper() in IDEMPOTENT_METHODS else 0
    budget = (settings.OUTBOUND_CONNECT_TIMEOUT_MS + settings.OUTBOUND_READ_TIMEOUT_MS) / 1000
    deadline = time.monotonic() + budget
    attempt = 0
    while True:
        try:
            timeout = _attempt_timeout(deadline - time.monotonic())
            return _send(breaker, method, url, all_headers, timeout)
        except pybreaker.CircuitBreakerError as exc:
            # Open (or just tripped by this attempt): fail at once, never retry.
            raise UpstreamUnavailable(f"{breaker.name} circuit open") from exc
        except _Rejected as exc:
            raise UpstreamRejected(exc.response) from exc
        except (httpx.TransportError, _ServerError) as exc:
            pause = _backoff_seconds(attempt)
            if attempt >= retries or time.monotonic() + pause >= deadline:
                raise UpstreamUnavailable(
                    f"{breaker.name} call failed with {exc.__class__.__name__}"
                ) from exc
            logger.info("retrying %s %s after %s", method, breaker.name, exc.__class__.__name__)
            time.sleep(pause)
            attempt += 1
