"""Scale-out proof: two instances (two gunicorn processes, two workers each, two loopback
ports) on one database and one Redis behave as one service.

CI runs this module in both legs; the PostgreSQL leg is the production topology. Shown
here: accounts and tokens work across instances; failed logins on both lock the account
on both; the login rate limit counts both together; a refresh rotated on one cannot be
replayed on the other; a breaker opened on one is open on the other (docs/deployment.md,
"What was proven on this machine").

Both instances trust one proxy, so each request names its client in X-Forwarded-For:
every helper sends a fresh address unless a test passes one, which keeps the per-IP
rate limit (a small one, as in production) out of the way of tests that are not about it.
"""

import itertools
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from accounts.models import LoginSession, RevokeReason
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.servers import start_gunicorn
from tests.tasks import queue_drained
from tests.upstreams import FakeHttpUpstream

pytestmark = pytest.mark.django_db(transaction=True)

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/token/refresh"
WRONG = "Wrong-password-1"
LOGIN_RATE = 5  # per client IP per day: no window edge falls inside a test
BREAKER_FAIL_MAX = 2
_client_ips = (f"198.18.{100 + n // 250}.{n % 250 + 1}" for n in itertools.count())


def _forget_shared_state(redis_url: str) -> None:
    """Drop this service's Redis keys (earlier runs' rate counters and breaker states)."""
    client = redis.Redis.from_url(redis_url)
    try:
        for key in client.scan_iter("authsvc:*"):
            client.delete(key)
    finally:
        client.close()


@pytest.fixture(scope="module")
def pwned_api():
    """The breached-password API for both instances: healthy (no breaches) unless a test says."""
    server = FakeHttpUpstream().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def instances(tmp_path_factory, django_db_setup, django_db_blocker, redis_url, pwned_api, smtp):
    _forget_shared_state(redis_url)
    env = {
        "REDIS_URL": redis_url,
        "AUTH_TRUSTED_PROXIES": "1",
        "AUTH_LOGIN_RATE": f"{LOGIN_RATE}/d",
        "AUTH_PWNED_PASSWORDS": "1",
        "AUTH_PWNED_PASSWORDS_URL": pwned_api.base_url,
        "BREAKER_PWNED_PASSWORDS_FAIL_MAX": str(BREAKER_FAIL_MAX),
        "OUTBOUND_RETRIES": "0",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
    }
    a = start_gunicorn(tmp_path_factory.mktemp("instance_a"), workers=2, env=env)
    try:
        b = start_gunicorn(tmp_path_factory.mktemp("instance_b"), workers=2, env=env)
    except Exception:
        a.stop()
        raise
    yield a, b
    b.stop()
    a.stop()
    _forget_shared_state(redis_url)


@pytest.fixture(autouse=True)
def _fresh_upstreams(pwned_api, smtp):
    pwned_api.reset()
    smtp.messages.clear()


def assert_problem(response, status, code):
    """tests.problem.assert_problem for an httpx response from a real server."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert response.json()["request_id"] == response.headers["x-request-id"]


def _post(server, path, body, *, ip=None, headers=None):
    # A new connection per request, so either worker of the instance may take it.
    with server.client() as http:
        return http.post(
            path, json=body, headers={"X-Forwarded-For": ip or next(_client_ips), **(headers or {})}
        )


def _register(server, username):
    body = {"username": username, "email": f"{username}@example.com", "password": DEFAULT_PASSWORD}
    return _post(server, "/api/v1/auth/register", body)


def _login(server, login, password, *, ip=None):
    return _post(server, LOGIN, {"login": login, "password": password}, ip=ip)


def _refresh(server, refresh):
    return _post(server, REFRESH, {"refresh": refresh})


def _me(server, access):
    with server.client() as http:
        return http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {access}"})


def test_the_two_instances_are_separate_processes_on_one_database_and_redis(instances):
    a, b = instances

    assert a.process.pid != b.process.pid
    assert a.base_url != b.base_url
    assert a.env["DATABASE_URL"] == b.env["DATABASE_URL"]
    assert a.env["REDIS_URL"] == b.env["REDIS_URL"]


def test_user_registered_on_a_logs_in_on_b_and_tokens_work_across(instances):
    a, b = instances

    # Given alice registered through instance A.
    registered = _register(a, "alice")
    assert registered.status_code == 201, registered.text

    # When she logs in through B (by email, other case) and uses each token on the other side.
    login = _login(b, "ALICE@example.com", DEFAULT_PASSWORD)
    me_on_b = _me(b, registered.json()["access"])
    me_on_a = _me(a, login.json()["access"])

    # Then both instances know her as the same user.
    assert login.status_code == 200, login.text
    user_id = registered.json()["user"]["id"]
    assert login.json()["user"]["id"] == user_id
    assert me_on_b.json()["id"] == user_id
    assert me_on_a.json()["id"] == user_id


def test_a_name_taken_on_one_instance_is_taken_on_the_other(instances):
    a, b = instances
    assert _register(a, "bob").status_code == 201

    response = _register(b, "BOB")

    assert_problem(response, 409, "conflict")


def test_simultaneous_registrations_of_one_name_on_both_instances_yield_one_account(instances):
    # The database's case-insensitive unique constraint, not process memory, decides.
    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(_register, instances, ["carol", "Carol"]))

    assert sorted(response.status_code for response in responses) == [201, 409]


def test_a_forged_token_is_refused_by_both_instances(instances):
    registered = _register(instances[0], "dave").json()
    header, payload, _signature = registered["access"].split(".")
    forged = f"{header}.{payload}.{'A' * 43}"

    for server in instances:
        assert_problem(_me(server, forged), 401, "token_invalid")


def test_failed_logins_spread_across_both_instances_lock_the_account_on_both(
    instances, smtp, mail_worker
):
    # given: an account, and wrong guesses alternating between A and B from changing addresses
    a, b = instances
    user = UserFactory(email="target@example.com")
    guesses = [_login(server, user.username, WRONG) for server in (a, b, a, b)]
    assert [response.status_code for response in guesses] == [401] * 4
    assert _login(a, user.username, user.raw_password).status_code == 200  # four: not locked
    guesses = [_login(server, user.username, WRONG) for server in (a, b, a, b, a)]

    # when: the right password, on each instance
    on_a, on_b = (_login(server, user.username, user.raw_password) for server in (a, b))

    # then: the fifth failure counted on both locked it for both, and its owner heard once
    assert [response.status_code for response in guesses] == [401] * 5
    for response in (on_a, on_b):
        assert_problem(response, 423, "account_locked")
        assert 1790 <= int(response.headers["retry-after"]) <= 1800
    smtp.wait_for(1)
    queue_drained()
    assert [message["To"] for message in smtp.messages] == ["target@example.com"]


def test_the_login_rate_limit_counts_attempts_on_both_instances_together(instances):
    # given: one client's attempts, alternating between A and B, up to the limit
    a, b = instances
    user = UserFactory()
    ip = next(_client_ips)
    allowed = [
        _login(server, user.username, user.raw_password, ip=ip)
        for server in itertools.islice(itertools.cycle((a, b)), LOGIN_RATE)
    ]

    # when: one more on each
    over_on_a, over_on_b = (
        _login(server, user.username, user.raw_password, ip=ip) for server in (a, b)
    )

    # then: refused on both, even with the right password; other clients are not affected
    assert [response.status_code for response in allowed] == [200] * LOGIN_RATE
    for response in (over_on_a, over_on_b):
        assert_problem(response, 429, "rate_limited")
        assert int(response.headers["retry-after"]) >= 1
    assert _login(b, user.username, user.raw_password).status_code == 200


def test_a_refresh_rotated_on_a_cannot_be_replayed_on_b(instances):
    a, b = instances
    user = UserFactory()
    first = _login(a, user.username, user.raw_password).json()

    # when: rotated on A; the retired token presented on B at once (a retry: refused, the
    # session lives), the new one used on B, then the retired one again (reuse)
    rotated = _refresh(a, first["refresh"])
    retry = _refresh(b, first["refresh"])
    rotated_again = _refresh(b, rotated.json()["refresh"])
    replay = _refresh(b, first["refresh"])

    # then: the new token works on B; the replay is refused and revokes the family everywhere
    assert rotated.status_code == 200, rotated.text
    assert_problem(retry, 401, "token_invalid")
    assert rotated_again.status_code == 200, rotated_again.text
    assert_problem(replay, 401, "token_invalid")
    assert_problem(_refresh(a, rotated_again.json()["refresh"]), 401, "token_invalid")
    assert_problem(_me(a, rotated_again.json()["access"]), 401, "token_invalid")
    session = LoginSession.objects.get(user=user)
    assert session.revoked_at is not None
    assert session.revoke_reason == RevokeReason.REUSE_DETECTED


def test_a_breaker_opened_by_failures_seen_on_a_is_open_on_b(instances, pwned_api, redis_url):
    # given: the breached-password API fails, and A's registrations meet it fail_max times
    a, b = instances
    pwned_api.reset(status=500)
    on_a = [_register(a, f"breaker_a{n}") for n in range(BREAKER_FAIL_MAX)]
    assert [response.status_code for response in on_a] == [201] * BREAKER_FAIL_MAX  # fail open
    assert len(pwned_api.requests) == BREAKER_FAIL_MAX

    # when: B registers more users and is probed
    on_b = [_register(b, f"breaker_b{n}") for n in range(3)]
    with b.client() as http:
        ready, metrics = http.get("/readyz"), http.get("/metrics")

    # then: B never called the API (its breaker was already open) and reports it open
    try:
        assert [response.status_code for response in on_b] == [201] * 3
        assert len(pwned_api.requests) == BREAKER_FAIL_MAX
        assert ready.status_code == 200, ready.text
        assert ready.json()["status"] == "degraded"
        assert ready.json()["checks"]["breaker:pwned_passwords"]["state"] == "open"
        assert 'authsvc_circuit_breaker_state{breaker="pwned_passwords"} 2.0' in metrics.text
        # logged as JSON by the worker that saw it, with the id of the request it happened in
        (opened,) = (
            record
            for record in map(json.loads, a.logs().splitlines())
            if record["logger"] == "authsvc.breakers"
        )
        assert opened["message"] == "circuit breaker pwned_passwords went from closed to open"
        assert opened["request_id"] == on_a[-1].headers["x-request-id"]
    finally:
        _forget_shared_state(redis_url)  # later tests of this module see a closed breaker
