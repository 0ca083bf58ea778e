"""Two refreshes racing with the same token: exactly one mints a successor (simplejwt #863).

Real threads on real connections (transactional DB), on SQLite and on PostgreSQL.
"""

import threading

import pytest
from django.db import connection

from accounts.models import LoginSession
from accounts.tokens.services import token_refresh
from authsvc.exceptions import TokenInvalid
from tests.factories import UserFactory
from tests.tokens import claims_of, issue_pair

pytestmark = pytest.mark.django_db(transaction=True)

RACERS = 4


def test_concurrent_refreshes_with_the_same_token_mint_exactly_one_successor():
    # given one refresh token and several threads lined up to use it at once
    refresh = issue_pair(UserFactory())["refresh"]
    barrier = threading.Barrier(RACERS)
    results: list[object] = []
    lock = threading.Lock()

    def race() -> None:
        try:
            barrier.wait(timeout=10)
            try:
                outcome: object = token_refresh(refresh=refresh)
            except TokenInvalid as exc:
                outcome = exc
            with lock:
                results.append(outcome)
        finally:
            connection.close()

    # when they all refresh
    threads = [threading.Thread(target=race) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then one won; the others lost without killing the session (their token is the
    # winner's immediate predecessor, inside the grace window)
    winners = [result for result in results if isinstance(result, dict)]
    assert len(results) == RACERS
    assert len(winners) == 1
    session = LoginSession.objects.get()
    assert session.revoked_at is None
    assert session.current_jti == claims_of(winners[0]["refresh"])["jti"]
    assert session.previous_jti == claims_of(refresh)["jti"]
