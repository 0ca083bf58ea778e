"""The service's circuit breakers: one per upstream, created once at import.

Every outbound call goes through its upstream's breaker (``breaker(name).calling()``).
After ``fail_max`` consecutive counted failures the breaker opens: calls fail at once
with ``pybreaker.CircuitBreakerError`` without touching the network, and the caller's
fallback runs. After ``reset_timeout_seconds`` one trial call goes through (half-open);
success closes the breaker, failure opens it again.

Counted failures are timeouts, connection errors and 5xx answers. An exception that
derives from ``NotCounted`` (a 4xx: the upstream is up and answered) counts as a
success, and so do each breaker's own ``exclude`` classes.

With ``REDIS_URL`` set, state lives in Redis, shared by every worker and instance;
otherwise each process has its own (pybreaker's default).
"""

import logging
import smtplib

import pybreaker
import redis
from django.conf import settings

from authsvc.readiness import Check, Degraded, register_check

logger = logging.getLogger("authsvc.breakers")

REDIS_NAMESPACE_PREFIX = "authsvc:breaker"
# Redis must never make an outbound call slower than the call itself: short socket timeouts.
REDIS_SOCKET_TIMEOUT_SECONDS = 0.5


class NotCounted(Exception):
    """Mixin for errors that prove the upstream is up (it answered, with a 4xx)."""


# Per upstream: what its callers raise that is not a sign of an unhealthy upstream.
EXCLUDED: dict[str, tuple[type[BaseException], ...]] = {
    "pwned_passwords": (NotCounted,),
    # The server answered and refused one address: the server itself is fine.
    "mail": (NotCounted, smtplib.SMTPRecipientsRefused),
}


class StateChangeLogger(pybreaker.CircuitBreakerListener):
    """Logs every state change at WARNING, as this process sees it."""

    def state_change(
        self,
        cb: pybreaker.CircuitBreaker,
        old_state: pybreaker.CircuitBreakerState | None,
        new_state: pybreaker.CircuitBreakerState,
    ) -> None:
        old = old_state.name if old_state is not None else None
        logger.warning(
            # No "name: state" shape: the log redactor blanks values after password-like keys.
            "circuit breaker %s went from %s to %s",
            cb.name,
            old,
            new_state.name,
            extra={"breaker": cb.name, "old_state": old, "new_state": new_state.name},
        )


class _RedisStorage(pybreaker.CircuitRedisStorage):
    """pybreaker's Redis storage, except that Redis being down at start-up is not fatal.

    pybreaker already falls back to "closed" on every later Redis error (and logs it);
    only its constructor lets a RedisError escape, which would stop the service.
    """

    def _initialize_redis_state(self, state: str) -> None:
        try:
            super()._initialize_redis_state(state)
        except redis.RedisError:
            logger.warning("circuit breaker storage: Redis unavailable; state is per process")


def breaker_build(
    *,
    name: str,
    fail_max: int,
    reset_timeout_seconds: float,
    exclude: tuple[type[BaseException], ...] = (NotCounted,),
    redis_url: str = "",
) -> pybreaker.CircuitBreaker:
    """A named breaker; with ``redis_url``, its state is kept under a per-name namespace."""
    storage: pybreaker.CircuitBreakerStorage | None = None
    if redis_url:
        client = redis.Redis.from_url(
            redis_url,
            socket_connect_timeout=REDIS_SOCKET_TIMEOUT_SECONDS,
            socket_timeout=REDIS_SOCKET_TIMEOUT_SECONDS,
        )
        storage = _RedisStorage(
            pybreaker.STATE_CLOSED, client, namespace=f"{REDIS_NAMESPACE_PREFIX}:{name}"
        )
    return pybreaker.CircuitBreaker(
        name=name,
        fail_max=fail_max,
        reset_timeout=reset_timeout_seconds,
        exclude=list(exclude),
        listeners=[StateChangeLogger()],
        state_storage=storage,
    )


def _breakers_from_settings() -> dict[str, pybreaker.CircuitBreaker]:
    return {
        name: breaker_build(
            name=name,
            fail_max=config["fail_max"],
            reset_timeout_seconds=config["reset_timeout_seconds"],
            exclude=EXCLUDED.get(name, (NotCounted,)),
            redis_url=settings.CIRCUIT_BREAKER_REDIS_URL,
        )
        for name, config in settings.CIRCUIT_BREAKERS.items()
    }


BREAKERS: dict[str, pybreaker.CircuitBreaker] = _breakers_from_settings()


def breaker(name: str) -> pybreaker.CircuitBreaker:
    """The breaker guarding upstream ``name``; KeyError for an unknown name (a bug)."""
    return BREAKERS[name]


def breaker_states() -> dict[str, str]:
    """Each breaker's state as stored ("closed", "open", "half-open"), for the metrics.

    With Redis storage this reads the shared state; an open breaker whose reset
    timeout has passed still reads "open" until the next call tries the upstream.
    """
    return {name: cb.current_state for name, cb in BREAKERS.items()}


def _readiness_check(name: str) -> Check:
    def check() -> str:
        state = breaker(name).current_state  # looked up per run: the storage may be shared
        if state != pybreaker.STATE_CLOSED:
            # Degraded, not failed: every breaker guards an optional upstream whose caller
            # has a fallback (pwned check skipped, mail not sent), so this instance still
            # serves; a 503 would only take logins down too (docs/failure-modes.md).
            raise Degraded(state)
        return state

    return check


def readiness_checks_register() -> None:
    """One /readyz check per breaker, ``breaker:<name>``; called from AuthsvcConfig.ready."""
    for name in BREAKERS:
        register_check(f"breaker:{name}", _readiness_check(name))
