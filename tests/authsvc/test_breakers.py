"""The named breakers: configuration, shared state in Redis, and what they report."""

import smtplib
import uuid

import pybreaker
import pytest
import redis

from authsvc import breakers
from tests.servers import free_port


def _failing() -> None:
    raise ConnectionError("upstream down")


def _trip(cb: pybreaker.CircuitBreaker) -> None:
    for _ in range(cb.fail_max):
        with pytest.raises((ConnectionError, pybreaker.CircuitBreakerError)):
            cb.call(_failing)


def test_named_breakers_exist_once_with_their_settings(settings):
    assert set(breakers.BREAKERS) == {"pwned_passwords", "mail"}
    for name, cb in breakers.BREAKERS.items():
        assert cb.name == name
        assert cb.fail_max == settings.CIRCUIT_BREAKERS[name]["fail_max"]
        assert cb.reset_timeout == settings.CIRCUIT_BREAKERS[name]["reset_timeout_seconds"]
    assert breakers.breaker("mail") is breakers.BREAKERS["mail"]


def test_breaker_states_reports_each_breaker():
    _trip(breakers.breaker("mail"))

    assert breakers.breaker_states() == {"pwned_passwords": "closed", "mail": "open"}


def test_not_counted_errors_and_refused_recipients_leave_the_breaker_closed():
    class Answered4xx(breakers.NotCounted):
        pass

    cb = breakers.breaker("mail")
    for error in (Answered4xx(), smtplib.SMTPRecipientsRefused({})):
        for _ in range(cb.fail_max):
            with pytest.raises(type(error)), cb.calling():
                raise error

    assert cb.current_state == "closed"
    assert cb.fail_counter == 0


@pytest.fixture
def redis_breaker_name(redis_url):
    """A unique breaker name (so Redis keys never collide), its keys deleted afterwards."""
    name = f"test_{uuid.uuid4().hex[:8]}"
    yield name
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{breakers.REDIS_NAMESPACE_PREFIX}:{name}:*"):
        client.delete(key)
    client.close()


def test_with_redis_a_breaker_opened_by_one_process_is_open_for_all(redis_url, redis_breaker_name):
    # given: two breakers of one name, as two workers build them
    worker_a, worker_b = (
        breakers.breaker_build(
            name=redis_breaker_name, fail_max=2, reset_timeout_seconds=60, redis_url=redis_url
        )
        for _ in range(2)
    )

    # when: worker A's calls fail fail_max times
    _trip(worker_a)

    # then: worker B fails at once, without calling
    calls = []
    with pytest.raises(pybreaker.CircuitBreakerError):
        worker_b.call(lambda: calls.append(1))
    assert calls == []
    assert worker_b.current_state == "open"
    keys = redis.Redis.from_url(redis_url).keys(f"authsvc:breaker:{redis_breaker_name}:*")
    assert keys


def test_with_redis_down_a_breaker_still_starts_and_works_per_call(caplog):
    # given: a Redis URL where nothing listens
    cb = breakers.breaker_build(
        name="no_redis",
        fail_max=2,
        reset_timeout_seconds=60,
        redis_url=f"redis://127.0.0.1:{free_port()}/0",
    )

    # when / then: construction did not raise, calls go through (state falls back to closed)
    assert cb.call(lambda: "answer") == "answer"
    assert "Redis unavailable" in caplog.text
