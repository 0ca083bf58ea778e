"""How gunicorn's workers share connections (sync workers on one listening socket,
gunicorn.conf.py), with real bcrypt logins.

The server runs the production settings (bcrypt first, no test hasher), two workers of
one thread each, so a login holds a worker's only thread for a whole hash.
"""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import bcrypt
import pytest
from django.contrib.auth.hashers import BCryptSHA256PasswordHasher

from tests.factories import UserFactory
from tests.keys import signing_key_one_line
from tests.servers import start_gunicorn

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_setup, django_db_blocker):
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "test-only-secret-key-for-the-worker-tests-0123456789",
        "AUTH_JWT_PRIVATE_KEY": signing_key_one_line(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "AUTH_LOCKOUT_THRESHOLD": "1000",
    }
    server = start_gunicorn(tmp_path_factory.mktemp("workers"), workers=2, threads=1, env=env)
    yield server
    server.stop()


def _user_hashed_at(cost: int):
    user = UserFactory()
    user.password = BCryptSHA256PasswordHasher().encode(user.raw_password, bcrypt.gensalt(cost))
    user.save(update_fields=["password"])
    return user


def _pid_of(server, request_id: str) -> int:
    for line in server.logs().splitlines():
        if f'"request_id": "{request_id}"' in line and '"authsvc.access"' in line:
            return json.loads(line)["pid"]
    raise AssertionError(f"no access record for {request_id}")


def test_a_busy_worker_leaves_new_connections_to_the_other(server):
    # given two workers accepting from one listening socket, and logins that keep a
    # worker hashing (a fast request can be served by whichever worker wakes first: no
    # spread is promised then, nor needed)
    users = [_user_hashed_at(10) for _ in range(4)]
    start = threading.Barrier(4)

    def login(n: int) -> str:
        with server.client() as http:
            start.wait()
            body = {"login": users[n].username, "password": users[n].raw_password}
            response = http.post("/api/v1/auth/login", json=body)
            assert response.status_code == 200
            return response.headers["x-request-id"]

    # when four clients log in at once
    with ThreadPoolExecutor(max_workers=4) as pool:
        request_ids = list(pool.map(login, range(4)))

    # then both workers served some: a worker busy with a hash does not accept
    assert len({_pid_of(server, request_id) for request_id in request_ids}) == 2


def test_a_new_connection_is_served_while_every_worker_stays_busy(server):
    # given four keep-alive clients logging in back to back on two one-thread workers:
    # two connections are accepted at once, the other two wait while both workers are
    # busy, and a busy worker must still take them rather than serve its own clients only
    users = [_user_hashed_at(12) for _ in range(4)]
    first_answer_at: dict[int, float] = {}
    last_answer_at: dict[int, float] = {}
    start = threading.Barrier(4)

    def client(n: int) -> None:
        with server.client() as http:
            start.wait()
            for _ in range(6):
                body = {"login": users[n].username, "password": users[n].raw_password}
                assert http.post("/api/v1/auth/login", json=body).status_code == 200
                first_answer_at.setdefault(n, time.monotonic())
                last_answer_at[n] = time.monotonic()

    # when they all run
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(client, range(4)))

    # then every client had its first answer before any client had finished
    assert max(first_answer_at.values()) < min(last_answer_at.values())


def test_clients_logging_in_at_once_are_served_in_turn(server):
    # given three keep-alive clients and two workers: a worker that kept its clients'
    # connections would serve two of them at half the rate of the third
    users = [_user_hashed_at(10) for _ in range(3)]
    took: dict[int, float] = {}
    start = threading.Barrier(3)

    def client(n: int) -> None:
        with server.client() as http:
            start.wait()
            started = time.monotonic()
            for _ in range(8):
                body = {"login": users[n].username, "password": users[n].raw_password}
                response = http.post("/api/v1/auth/login", json=body)
                assert response.status_code == 200
                # each answer closes its connection: the next request queues anew
                assert response.headers["connection"] == "close"
            took[n] = time.monotonic() - started

    # when they log in eight times each, at once
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(client, range(3)))

    # then they finished within a third of each other (in arrival order: all about equal)
    assert max(took.values()) < 1.33 * min(took.values()), took
