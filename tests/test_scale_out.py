"""Scale-out proof: two instances (two gunicorn processes, two workers each, two loopback
ports) on one database and one Redis behave as one service.

CI runs this module in both legs; the PostgreSQL leg is the production topology. Shared
abuse state (lockout, rate limits), refresh rotation and breakers are proven here once
those features exist (see docs/deployment.md, "What was proven on this machine").
"""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.factories import DEFAULT_PASSWORD
from tests.servers import start_gunicorn

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def instances(tmp_path_factory, django_db_setup, django_db_blocker, redis_url):
    env = {"REDIS_URL": redis_url}
    a = start_gunicorn(tmp_path_factory.mktemp("instance_a"), workers=2, env=env)
    try:
        b = start_gunicorn(tmp_path_factory.mktemp("instance_b"), workers=2, env=env)
    except Exception:
        a.stop()
        raise
    yield a, b
    b.stop()
    a.stop()


def assert_problem(response, status, code):
    """tests.problem.assert_problem for an httpx response from a real server."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert response.json()["request_id"] == response.headers["x-request-id"]


def _register(server, username):
    body = {"username": username, "email": f"{username}@example.com", "password": DEFAULT_PASSWORD}
    with server.client() as http:
        return http.post("/api/v1/auth/register", json=body)


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
    with b.client() as http:
        login = http.post(
            "/api/v1/auth/login",
            json={"login": "ALICE@example.com", "password": DEFAULT_PASSWORD},
        )
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
