"""Breaker state shared through Redis by every worker of a live server, and reported by each."""

import pytest
import redis

from accounts.models import User
from authsvc.breakers import REDIS_NAMESPACE_PREFIX
from tests.servers import start_gunicorn
from tests.upstreams import FakeHttpUpstream

pytestmark = pytest.mark.django_db(transaction=True)

FAIL_MAX = 2
NAMESPACE = f"{REDIS_NAMESPACE_PREFIX}:pwned_passwords"


def _clear_breaker_keys(url: str) -> None:
    client = redis.Redis.from_url(url)
    # Every breaker of the server initialised its keys, not only the one under test.
    for key in client.scan_iter(f"{REDIS_NAMESPACE_PREFIX}:*"):
        client.delete(key)
    client.close()


@pytest.fixture(scope="module")
def failing_api():
    server = FakeHttpUpstream(status=500).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_setup, django_db_blocker, redis_url, failing_api):
    _clear_breaker_keys(redis_url)
    server = start_gunicorn(
        tmp_path_factory.mktemp("breaker"),
        workers=2,
        env={
            "REDIS_URL": redis_url,
            "AUTH_PWNED_PASSWORDS": "1",
            "AUTH_PWNED_PASSWORDS_URL": failing_api.base_url,
            "BREAKER_PWNED_PASSWORDS_FAIL_MAX": str(FAIL_MAX),
            "OUTBOUND_RETRIES": "0",
        },
    )
    yield server
    server.stop()
    _clear_breaker_keys(redis_url)


def test_breaker_opened_in_redis_stops_every_worker_calling_and_registration_goes_on(
    server, failing_api, redis_url
):
    # when: ten registrations, each on a new connection (either worker may take it)
    statuses = []
    for number in range(10):
        with server.client() as http:
            response = http.post(
                "/api/v1/auth/register",
                json={
                    "username": f"shared_{number}",
                    "email": f"shared_{number}@example.com",
                    "password": "Aa1!aaaaaa-unseen",
                },
            )
        statuses.append(response.status_code)

    # then: all registered (fail open); the API was called fail_max times in all
    assert statuses == [201] * 10
    assert len(failing_api.requests) == FAIL_MAX
    assert redis.Redis.from_url(redis_url).get(f"{NAMESPACE}:pybreaker:state") == b"open"
    assert "circuit breaker pwned_passwords went from closed to open" in server.logs()
    assert User.objects.filter(username__startswith="shared_").count() == 10

    # and: whichever worker answers, /readyz (still 200) and /metrics show it open
    for _ in range(4):  # new connections: both workers answer some of them
        with server.client() as http:
            ready, metrics = http.get("/readyz"), http.get("/metrics")
        assert ready.status_code == 200, ready.text
        assert ready.json()["status"] == "degraded"
        assert ready.json()["checks"]["breaker:pwned_passwords"]["state"] == "open"
        assert 'authsvc_circuit_breaker_state{breaker="pwned_passwords"} 2.0' in metrics.text
        assert 'authsvc_circuit_breaker_state{breaker="mail"} 0.0' in metrics.text
