"""Concurrent writes against a live multi-worker, multi-threaded server (SQLite and PostgreSQL)."""

import threading
from collections import Counter

import pytest

from accounts.models import User
from tests.servers import start_gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

PARALLEL_REQUESTS = 20


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_setup, django_db_blocker):
    server = start_gunicorn(tmp_path_factory.mktemp("concurrency"), workers=2, threads=4)
    yield server
    server.stop()


def test_parallel_registrations_of_one_username_create_exactly_one_account(server):
    # given: 20 clients released at the same instant
    barrier = threading.Barrier(PARALLEL_REQUESTS)
    statuses: list[int] = []
    bodies: list[dict] = []

    def register(number: int) -> None:
        with server.client() as http:
            barrier.wait()
            response = http.post(
                "/api/v1/auth/register",
                json={
                    "username": "Racer",
                    "email": f"racer{number}@example.com",
                    "password": "Hx7!qLm2Rz",
                },
            )
        statuses.append(response.status_code)
        bodies.append(response.json())

    # when
    threads = [threading.Thread(target=register, args=(n,)) for n in range(PARALLEL_REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: one winner, every loser a 409 conflict on the username, one row
    assert Counter(statuses) == {201: 1, 409: PARALLEL_REQUESTS - 1}, bodies
    conflicts = [body for body in bodies if body.get("code") == "conflict"]
    assert all(list(body["errors"]) == ["username"] for body in conflicts)
    assert User.objects.filter(username__iexact="racer").count() == 1
