"""Readiness checks behind /readyz: a small registry other layers plug into.

A check is a callable that returns when its dependency is usable (optionally with a
short state word to report, such as a breaker's "closed") and raises when it is not.
A failed check makes /readyz 503. A check raises ``Degraded`` instead when its
dependency is unusable but the service still serves without it (an optional upstream
with a fallback): that is reported as "degraded" and /readyz stays 200, because taking
the instance out of rotation would not help, it would only take logins down too.

The database check is always on; the cache check only when a shared cache is
configured (a local-memory or dummy cache cannot be down). authsvc.breakers adds one
check per circuit breaker, ``breaker:<name>``.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection

logger = logging.getLogger("authsvc.readiness")

Check = Callable[[], str | None]
OK, DEGRADED, FAIL = "ok", "degraded", "fail"
_LOCAL_CACHE_BACKENDS = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)
_CACHE_PROBE_KEY = "authsvc:readyz"


class Degraded(Exception):
    """Raised by a check whose dependency is unusable while the service serves without it."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str  # OK, DEGRADED or FAIL
    latency_ms: float
    error: str | None = None  # the exception's class name; details go to the log only
    state: str | None = None  # what the check reported, e.g. a breaker's "open"

    def as_dict(self) -> dict[str, object]:
        result: dict[str, object] = {"status": self.status, "latency_ms": self.latency_ms}
        if self.error:
            result["error"] = self.error
        if self.state:
            result["state"] = self.state
        return result


_checks: dict[str, tuple[Check, Callable[[], bool]]] = {}


def register_check(name: str, check: Check, *, enabled: Callable[[], bool] = lambda: True) -> None:
    """Add (or replace) a named check; ``enabled`` is asked on every run."""
    _checks[name] = (check, enabled)


def unregister_check(name: str) -> None:
    _checks.pop(name, None)


def _run_one(name: str, check: Check) -> CheckResult:
    started = time.perf_counter()

    def elapsed_ms() -> float:
        return round((time.perf_counter() - started) * 1000, 3)

    try:
        state = check()
    except Degraded as degraded:
        # Not logged here: a probe every few seconds would repeat what the dependency's
        # own log already said when it changed (e.g. a breaker's state change).
        return CheckResult(name, DEGRADED, elapsed_ms(), state=degraded.state)
    except Exception as exc:  # any failure means "not ready", whatever raised it
        latency_ms = elapsed_ms()
        logger.warning(
            "readiness check %s failed: %s",
            name,
            exc.__class__.__name__,
            extra={"check": name, "error": exc.__class__.__name__, "latency_ms": latency_ms},
        )
        return CheckResult(name, FAIL, latency_ms, exc.__class__.__name__)
    return CheckResult(name, OK, elapsed_ms(), state=state)


def readiness_run() -> list[CheckResult]:
    """Every enabled check, in registration order."""
    return [_run_one(name, check) for name, (check, enabled) in _checks.items() if enabled()]


def database_check() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        # Drop the broken connection now, so the next probe reconnects instead of failing on it.
        connection.close_if_unusable_or_obsolete()
        raise


def cache_configured() -> bool:
    return settings.CACHES["default"]["BACKEND"] not in _LOCAL_CACHE_BACKENDS


def cache_check() -> None:
    cache.set(_CACHE_PROBE_KEY, "1", timeout=10)
    if cache.get(_CACHE_PROBE_KEY) != "1":
        raise RuntimeError("cache did not return what was written")


register_check("database", database_check)
register_check("cache", cache_check, enabled=cache_configured)
