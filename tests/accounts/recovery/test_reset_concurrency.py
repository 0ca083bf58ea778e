"""One reset token confirmed by many clients at once against a live multi-worker,
multi-threaded server (SQLite and PostgreSQL): exactly one wins."""

import threading
from collections import Counter

import pytest

from accounts.models import AuditLog, RecoveryToken, TokenPurpose
from accounts.recovery.services import token_issue
from tests.factories import UserFactory
from tests.servers import start_gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

PARALLEL_REQUESTS = 10


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_setup, django_db_blocker):
    server = start_gunicorn(tmp_path_factory.mktemp("reset_concurrency"), workers=2, threads=4)
    yield server
    server.stop()


def test_concurrent_confirms_of_one_token_succeed_exactly_once(server):
    # given: one mailed token, and clients released at the same instant
    alice = UserFactory(username="alice", email="alice@example.com")
    token = token_issue(user=alice, purpose=TokenPurpose.PASSWORD_RESET, ttl_seconds=3600)
    barrier = threading.Barrier(PARALLEL_REQUESTS)
    answers: list[tuple[int, str | None]] = []

    def confirm(number: int) -> None:
        with server.client() as http:
            barrier.wait()
            response = http.post(
                "/api/v1/auth/password/reset/confirm",
                json={"token": token, "new_password": f"Racing-Lantern-{number}-orbit"},
            )
        code = response.json().get("code") if response.content else None
        answers.append((response.status_code, code))

    # when
    threads = [threading.Thread(target=confirm, args=(n,)) for n in range(PARALLEL_REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: one 204, every other answer token_invalid, one password set, one audit row
    assert Counter(answers) == {
        (204, None): 1,
        (400, "token_invalid"): PARALLEL_REQUESTS - 1,
    }, server.logs()
    assert RecoveryToken.objects.get().used_at is not None
    assert AuditLog.objects.filter(action="password_reset", status="success").count() == 1
    alice.refresh_from_db()
    winners = [
        n for n in range(PARALLEL_REQUESTS) if alice.check_password(f"Racing-Lantern-{n}-orbit")
    ]
    assert len(winners) == 1
