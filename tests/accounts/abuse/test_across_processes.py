"""Rate limits and lockout hold across processes: four gunicorn workers sharing one store.

Each backend runs once: the shared database cache (no REDIS_URL) and Redis (REDIS_URL).
The servers trust one proxy, so each test picks its own client IPs in X-Forwarded-For
and never meets another test's counters (Redis is not cleared between tests).
"""

import itertools
import threading
import time
from collections import Counter

import pytest
import redis

from tests.factories import UserFactory
from tests.problem import PROBLEM_KEYS
from tests.servers import free_port, start_gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

LOGIN = "/api/v1/auth/login"
WRONG = "Wrong-password-1"
COOLOFF_SECONDS = 4
_client_ips = (f"198.18.{n // 250}.{n % 250 + 1}" for n in itertools.count())


def _forget_counters(redis_url):
    """Drop this service's keys (an earlier run's counters) from the test Redis database."""
    client = redis.Redis.from_url(redis_url)
    try:
        for key in client.scan_iter("authsvc:*"):
            client.delete(key)
    finally:
        client.close()


@pytest.fixture(scope="module", params=["database", "redis"])
def server(request, tmp_path_factory, django_db_setup, django_db_blocker):
    # An explicit empty REDIS_URL selects the database cache even when CI exports one.
    redis_url = request.getfixturevalue("redis_url") if request.param == "redis" else ""
    if redis_url:
        _forget_counters(redis_url)
    env = {
        "REDIS_URL": redis_url,
        "AUTH_TRUSTED_PROXIES": "1",
        "AUTH_LOGIN_RATE": "5/d",  # a day-long window: no window edge falls inside a test
        "AUTH_LOCKOUT_COOLOFF": str(COOLOFF_SECONDS),
    }
    server = start_gunicorn(tmp_path_factory.mktemp("abuse"), workers=4, threads=4, env=env)
    yield server
    server.stop()


def _post(server, login, password, ip):
    # A fresh connection per request, so the kernel hands each to any of the workers.
    with server.client() as http:
        return http.post(
            LOGIN, json={"login": login, "password": password}, headers={"X-Forwarded-For": ip}
        )


def _assert_problem(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json().keys() >= PROBLEM_KEYS
    assert response.json()["code"] == code
    assert int(response.headers["retry-after"]) >= 1


def test_sixth_login_in_the_window_is_refused_whichever_worker_takes_it(server):
    # given five attempts from one client, on five names (so no account locks)
    ip = next(_client_ips)
    statuses = [_post(server, f"nobody_{n}", WRONG, ip).status_code for n in range(5)]

    sixth = _post(server, "nobody_5", WRONG, ip)

    assert statuses == [401] * 5
    _assert_problem(sixth, 429, "rate_limited")
    assert _post(server, "nobody_6", WRONG, next(_client_ips)).status_code == 401


def test_lockout_holds_across_workers_and_client_ips(server):
    user = UserFactory()
    for _ in range(5):
        assert _post(server, user.email.upper(), WRONG, next(_client_ips)).status_code == 401

    refused = [_post(server, user.username, user.raw_password, next(_client_ips)) for _ in range(4)]

    for response in refused:
        _assert_problem(response, 423, "account_locked")


def test_sixteen_parallel_wrong_guesses_let_exactly_the_threshold_through(server):
    # given one account and sixteen attackers on sixteen addresses, released at once
    user = UserFactory()
    barrier = threading.Barrier(16)
    statuses = []

    def guess(ip):
        with server.client() as http:
            barrier.wait()
            response = http.post(
                LOGIN,
                json={"login": user.username, "password": WRONG},
                headers={"X-Forwarded-For": ip},
            )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(next(_client_ips),)) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then five passwords were checked (401) and the other eleven refused unchecked (423)
    assert Counter(statuses) == {401: 5, 423: 11}
    _assert_problem(
        _post(server, user.username, user.raw_password, next(_client_ips)), 423, "account_locked"
    )


def test_lockout_ends_by_itself_after_the_configured_cooloff(server):
    user = UserFactory()
    for _ in range(5):
        _post(server, user.username, WRONG, next(_client_ips))
    _assert_problem(
        _post(server, user.username, user.raw_password, next(_client_ips)), 423, "account_locked"
    )

    time.sleep(COOLOFF_SECONDS + 0.5)

    response = _post(server, user.username, user.raw_password, next(_client_ips))
    assert response.status_code == 200, response.text


@pytest.fixture(scope="module", params=["1", "0"], ids=["fail-open", "fail-closed"])
def server_with_dead_redis(request, tmp_path_factory, django_db_setup, django_db_blocker):
    env = {
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/3",  # nothing listens there
        "AUTH_RATELIMIT_FAIL_OPEN": request.param,
    }
    server = start_gunicorn(tmp_path_factory.mktemp("deadredis"), workers=1, env=env)
    server.fail_open = request.param == "1"
    yield server
    server.stop()


def test_unreachable_redis_fails_open_or_closed_as_configured_never_500(server_with_dead_redis):
    user = UserFactory()

    response = _post(server_with_dead_redis, user.username, user.raw_password, "192.0.2.1")

    if server_with_dead_redis.fail_open:
        assert response.status_code == 200, response.text
        assert "failing open" in server_with_dead_redis.logs()
    else:
        _assert_problem(response, 503, "service_unavailable")
        assert "failing closed" in server_with_dead_redis.logs()
    assert "rate-limit store unreachable" in server_with_dead_redis.logs()
