"""One mailed token confirmed by many clients at once against a live multi-worker,
multi-threaded server (SQLite and PostgreSQL): exactly one wins, for every purpose."""

import threading
from collections import Counter

import pytest

from accounts.models import AuditLog, RecoveryToken, TokenPurpose
from accounts.recovery.services import token_issue
from tests.factories import UserFactory
from tests.servers import start_gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

PARALLEL_REQUESTS = 10
ONE_WINNER = {(204, None): 1, (400, "token_invalid"): PARALLEL_REQUESTS - 1}


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_setup, django_db_blocker):
    server = start_gunicorn(tmp_path_factory.mktemp("reset_concurrency"), workers=2, threads=4)
    yield server
    server.stop()


def _race(server, path: str, bodies: list[dict]) -> Counter:
    """POST each body to ``path`` from its own client, all released at the same instant;
    the (status, code) answers counted."""
    barrier = threading.Barrier(len(bodies))
    answers: list[tuple[int, str | None]] = []

    def post(body: dict) -> None:
        with server.client() as http:
            barrier.wait()
            response = http.post(path, json=body)
        answers.append(
            (response.status_code, response.json().get("code") if response.content else None)
        )

    threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Counter(answers)


def test_concurrent_confirms_of_one_token_succeed_exactly_once(server):
    # given: one mailed token
    alice = UserFactory(username="alice", email="alice@example.com")
    token = token_issue(user=alice, purpose=TokenPurpose.PASSWORD_RESET, ttl_seconds=3600)
    passwords = [f"Racing-Lantern-{n}-orbit" for n in range(PARALLEL_REQUESTS)]

    # when
    answers = _race(
        server,
        "/api/v1/auth/password/reset/confirm",
        [{"token": token, "new_password": password} for password in passwords],
    )

    # then: one 204, every other answer token_invalid, one password set, one audit row
    assert answers == ONE_WINNER, server.logs()
    assert RecoveryToken.objects.get().used_at is not None
    assert AuditLog.objects.filter(action="password_reset", status="success").count() == 1
    alice.refresh_from_db()
    assert sum(alice.check_password(password) for password in passwords) == 1


def test_concurrent_verifications_of_one_token_succeed_exactly_once(server):
    bob = UserFactory(username="bob", email="bob@example.com")
    token = token_issue(user=bob, purpose=TokenPurpose.EMAIL_VERIFY, ttl_seconds=3600)

    answers = _race(server, "/api/v1/auth/email/verify", [{"token": token}] * PARALLEL_REQUESTS)

    assert answers == ONE_WINNER, server.logs()
    assert AuditLog.objects.filter(action="email_verified", status="success").count() == 1


def test_concurrent_email_change_confirms_of_one_token_succeed_exactly_once(server):
    carol = UserFactory(username="carol", email="carol@example.com")
    token = token_issue(
        user=carol,
        purpose=TokenPurpose.EMAIL_CHANGE,
        ttl_seconds=3600,
        new_email="carol.new@example.com",
    )

    answers = _race(
        server, "/api/v1/auth/email/change/confirm", [{"token": token}] * PARALLEL_REQUESTS
    )

    assert answers == ONE_WINNER, server.logs()
    assert AuditLog.objects.filter(action="email_changed", status="success").count() == 1
    carol.refresh_from_db()
    assert carol.email == "carol.new@example.com"
