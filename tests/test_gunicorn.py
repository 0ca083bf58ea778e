"""The service as production serves it: gunicorn, several workers, the shared database."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import bcrypt
import pytest
from django.contrib.auth.hashers import BCryptSHA256PasswordHasher

from accounts.models import LoginLockout
from tests.factories import UserFactory
from tests.servers import start_gunicorn

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_setup, django_db_blocker):
    server = start_gunicorn(tmp_path_factory.mktemp("gunicorn"), workers=2)
    yield server
    server.stop()


def test_gunicorn_serves_login_and_me_from_the_shared_database(server):
    user = UserFactory()

    with server.client() as http:
        login = http.post(
            "/api/v1/auth/login", json={"login": user.email, "password": user.raw_password}
        )
        me = http.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {login.json()['access']}"}
        )

    assert login.status_code == 200, login.text
    assert me.json()["id"] == str(user.id)


def test_gunicorn_answers_unknown_urls_with_problem_json(server):
    with server.client() as http:
        response = http.get("/nope")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["request_id"] == response.headers["x-request-id"]


def _pid_of(server, request_id: str) -> int:
    for line in server.logs().splitlines():
        if f'"request_id": "{request_id}"' in line and '"gunicorn.access"' in line:
            return json.loads(line)["pid"]
    raise AssertionError(f"no access record for {request_id}")


def test_a_worker_busy_hashing_leaves_new_connections_to_an_idle_worker(server):
    # given a login that keeps one worker's only thread busy with a real bcrypt hash, at
    # cost 14 (~1 s) so the probes below fit in it even on a loaded machine (stock gthread
    # would still accept new connections on that worker: gunicorn #908, #3433)
    user = UserFactory()
    user.password = BCryptSHA256PasswordHasher().encode(user.raw_password, bcrypt.gensalt(14))
    user.save(update_fields=["password"])
    login: dict = {}

    def log_in():
        with server.client() as http:
            body = {"login": user.username, "password": user.raw_password}
            login["response"] = http.post("/api/v1/auth/login", json=body)

    login_thread = threading.Thread(target=log_in)
    login_thread.start()
    # The login has taken its lockout number, so its worker's thread is hashing now.
    deadline = time.monotonic() + 10
    while not LoginLockout.objects.filter(key=user.username.lower()).exists():
        assert time.monotonic() < deadline, "the login never reached the password check"
        time.sleep(0.005)

    # when eight clients open new connections at once meanwhile
    def probe() -> str:
        with server.client() as http:
            return http.get("/healthz").headers["x-request-id"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        probes = list(pool.map(lambda _: probe(), range(8)))
    login_thread.join()

    # then the other worker served them all, while the first was still hashing
    assert login["response"].status_code == 200, login["response"].text
    hashing_pid = _pid_of(server, login["response"].headers["x-request-id"])
    assert hashing_pid not in {_pid_of(server, request_id) for request_id in probes}
