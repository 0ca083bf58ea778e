"""Prometheus metrics, recorded with prometheus-client and exposed at /metrics.

Under gunicorn every worker is its own process with its own counters. With
``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn.conf.py sets it to a fresh directory at
start), each process writes its values to files there and a scrape aggregates them
all (prometheus-client "multiprocess mode"); without it (runserver, tests) the
process' own registry is exposed.

The metric names and labels are documented in docs/operations.md.
"""

import hmac
import os
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from authsvc import exceptions as errors
from authsvc.breakers import breaker_states
from authsvc.middleware import route_of

MULTIPROC_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
# The login route's URL name; its response status is the login outcome (see LOGIN_RESULTS).
LOGIN_URL_NAME = "auth-login"
LOGIN_RESULTS = {200: "success", 401: "invalid", 423: "locked", 429: "rate_limited"}
BREAKER_STATES = {"closed": 0, "half-open": 1, "open": 2}

HTTP_REQUESTS = Counter(
    "authsvc_http_requests",
    "HTTP requests served, by URL pattern, method and status.",
    ["route", "method", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "authsvc_http_request_duration_seconds",
    "Time spent in Django per request, by URL pattern, method and status.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
LOGINS = Counter(
    "authsvc_logins",
    "Login attempts by result: success, invalid, locked, rate_limited.",
    ["result"],
)
REGISTRATIONS = Counter("authsvc_registrations", "Accounts registered.")
LOCKOUTS = Counter("authsvc_lockouts", "Accounts locked after repeated failed logins.")
MAILS = Counter(
    "authsvc_mails",
    "Mails by event: queued (request committed), sent, retried (attempt failed, next one "
    "queued), given_up. All but queued are counted in the process that delivers: the worker.",
    ["event"],
)
AUDIT_EVENTS = Counter(
    "authsvc_audit_events",
    "Security audit events recorded, by action and status.",
    ["action", "status"],
)


class BreakerStateCollector(Collector):
    """``authsvc_circuit_breaker_state{breaker=...}``: each breaker's state read at scrape time.

    A collector, not a Gauge set on state changes: with REDIS_URL the state is shared and
    changes in whichever worker or instance trips it, so a per-process gauge would go stale
    in every other process; reading the state when scraped is always current. Without
    REDIS_URL each process has its own breakers and this reports the scraped process'.
    """

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "authsvc_circuit_breaker_state",
            "Circuit breaker state: 0 closed, 1 half-open, 2 open.",
            labels=["breaker"],
        )

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Lets registration learn the name without collecting (no Redis read at import).
        yield self._family()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = self._family()
        for name, state in breaker_states().items():
            family.add_metric([name], BREAKER_STATES[state])
        yield family


BREAKER_STATE_COLLECTOR = BreakerStateCollector()
REGISTRY.register(BREAKER_STATE_COLLECTOR)


def http_request_observe(*, request: HttpRequest, status: int, duration_seconds: float) -> None:
    route, method, code = route_of(request), request.method or "", str(status)
    HTTP_REQUESTS.labels(route=route, method=method, status=code).inc()
    HTTP_REQUEST_DURATION.labels(route=route, method=method, status=code).observe(duration_seconds)
    match = getattr(request, "resolver_match", None)
    if match is not None and match.url_name == LOGIN_URL_NAME and status in LOGIN_RESULTS:
        LOGINS.labels(result=LOGIN_RESULTS[status]).inc()


def exposition() -> tuple[bytes, str]:
    """The text exposition of every process' metrics, and its content type."""
    if os.environ.get(MULTIPROC_DIR_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(BREAKER_STATE_COLLECTOR)  # not a per-process file: read now
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def metrics_access_check(request: HttpRequest) -> None:
    """Raises unless the caller may scrape: AUTH_METRICS_TOKEN, when set, as a Bearer token."""
    expected = settings.AUTH_METRICS_TOKEN
    if not expected:
        return
    scheme, _, supplied = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not supplied:
        raise errors.NotAuthenticated("This endpoint needs Authorization: Bearer <metrics token>.")
    # Constant-time comparison: a timing side channel must not reveal the token byte by byte.
    if not hmac.compare_digest(supplied.strip().encode(), expected.encode()):
        raise errors.TokenInvalid("The metrics token is not valid.")


class MetricsMiddleware:
    """Counts and times every request by route and status; sits inside AccessLogMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        http_request_observe(
            request=request,
            status=response.status_code,
            duration_seconds=time.perf_counter() - started,
        )
        return response


def metrics_response(request: HttpRequest) -> HttpResponse:
    metrics_access_check(request)
    body, content_type = exposition()
    return HttpResponse(body, content_type=content_type)
