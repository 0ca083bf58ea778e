"""Outbound HTTP against a real server on loopback: timeouts, retries, breaker, request id."""

import logging
import time

import pybreaker
import pytest

from authsvc import breakers
from authsvc.context import request_id_var
from authsvc.outbound import UpstreamRejected, UpstreamUnavailable, outbound_request
from tests.upstreams import FakeHttpUpstream, unused_url


@pytest.fixture
def upstream():
    server = FakeHttpUpstream(body="ok").start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fast_timeouts(settings):
    settings.OUTBOUND_CONNECT_TIMEOUT_MS = 300
    settings.OUTBOUND_READ_TIMEOUT_MS = 300
    settings.OUTBOUND_RETRIES = 1
    settings.OUTBOUND_RETRY_BACKOFF_MS = 10


def _breaker(fail_max: int = 3, reset_timeout_seconds: float = 60) -> pybreaker.CircuitBreaker:
    return breakers.breaker_build(
        name="test_upstream", fail_max=fail_max, reset_timeout_seconds=reset_timeout_seconds
    )


def _get(cb, url):
    return outbound_request(breaker=cb, method="GET", url=url)


def test_healthy_upstream_gets_the_request_id_and_answers():
    # given
    server = FakeHttpUpstream(body="hello").start()
    token = request_id_var.set("req-123")
    try:
        # when
        response = _get(_breaker(), f"{server.base_url}/x")
    finally:
        request_id_var.reset(token)
        server.stop()

    # then
    assert response.text == "hello"
    assert server.requests[0].headers["x-request-id"] == "req-123"
    assert server.requests[0].headers["user-agent"] == "authsvc/1.0"


def test_5xx_is_retried_once_then_reported_unavailable_and_counted(upstream):
    upstream.status = 503
    cb = _breaker()

    with pytest.raises(UpstreamUnavailable):
        _get(cb, upstream.base_url)

    assert len(upstream.requests) == 2
    assert cb.fail_counter == 2


def test_post_is_never_retried(upstream):
    upstream.status = 500

    with pytest.raises(UpstreamUnavailable):
        outbound_request(breaker=_breaker(), method="POST", url=upstream.base_url)

    assert len(upstream.requests) == 1


def test_4xx_is_rejected_without_retry_and_not_counted(upstream):
    upstream.status = 404
    cb = _breaker()

    with pytest.raises(UpstreamRejected) as raised:
        _get(cb, upstream.base_url)

    assert raised.value.response.status_code == 404
    assert len(upstream.requests) == 1
    assert cb.fail_counter == 0


def test_refused_connection_is_retried_and_reported_unavailable():
    cb = _breaker()

    with pytest.raises(UpstreamUnavailable):
        _get(cb, unused_url())

    assert cb.fail_counter == 2


def test_slow_upstream_never_holds_the_caller_past_connect_plus_read_timeout(upstream):
    # given: an answer slower than the read timeout
    upstream.delay_seconds = 1.5

    # when
    started = time.monotonic()
    with pytest.raises(UpstreamUnavailable):
        _get(_breaker(), upstream.base_url)
    elapsed = time.monotonic() - started

    # then: bounded by connect + read timeout (0.6 s), the retry included
    assert elapsed < 0.9


def test_breaker_opens_after_fail_max_and_then_stops_calling(upstream, caplog):
    # given
    upstream.status = 500
    cb = _breaker(fail_max=2)
    caplog.set_level(logging.WARNING, logger="authsvc.breakers")

    # when: one call with its retry reaches fail_max
    with pytest.raises(UpstreamUnavailable):
        _get(cb, upstream.base_url)
    started = time.monotonic()
    with pytest.raises(UpstreamUnavailable, match="circuit open"):
        _get(cb, upstream.base_url)

    # then
    assert cb.current_state == "open"
    assert len(upstream.requests) == 2
    assert time.monotonic() - started < 0.05
    changes = [r for r in caplog.records if r.name == "authsvc.breakers"]
    assert [(r.breaker, r.old_state, r.new_state) for r in changes] == [
        ("test_upstream", "closed", "open")
    ]
    assert changes[0].levelname == "WARNING"


def test_breaker_half_opens_after_reset_timeout_and_closes_on_success(upstream, caplog):
    # given: an open breaker
    upstream.status = 500
    cb = _breaker(fail_max=1, reset_timeout_seconds=0.2)
    caplog.set_level(logging.WARNING, logger="authsvc.breakers")
    with pytest.raises(UpstreamUnavailable):
        _get(cb, upstream.base_url)
    assert cb.current_state == "open"

    # when: the upstream recovers and the reset timeout passes
    upstream.status = 200
    time.sleep(0.25)
    response = _get(cb, upstream.base_url)

    # then
    assert response.status_code == 200
    assert cb.current_state == "closed"
    changes = [r for r in caplog.records if r.name == "authsvc.breakers"]
    transitions = [(r.old_state, r.new_state) for r in changes]
    assert ("open", "half-open") in transitions
    assert ("half-open", "closed") in transitions


def test_failed_trial_call_opens_the_breaker_again(upstream):
    upstream.status = 500
    cb = _breaker(fail_max=1, reset_timeout_seconds=0.2)
    with pytest.raises(UpstreamUnavailable):
        _get(cb, upstream.base_url)
    time.sleep(0.25)

    with pytest.raises(UpstreamUnavailable):
        _get(cb, upstream.base_url)

    assert cb.current_state == "open"
    assert len(upstream.requests) == 2
