"""A login challenge used by parallel requests against a live multi-worker server."""

import threading
from collections import Counter

import pytest

from accounts.tokens.models import LoginSession
from tests.accounts.passkeys.flows import LOGIN_OPTIONS, LOGIN_VERIFY, register
from tests.factories import UserFactory
from tests.servers import start_gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

PARALLEL_REQUESTS = 8


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_setup, django_db_blocker):
    server = start_gunicorn(tmp_path_factory.mktemp("passkeys"), workers=2, threads=4)
    yield server
    server.stop()


def test_parallel_verifies_of_one_login_challenge_log_in_exactly_once(server, api):
    # given a registered passkey and one answered challenge, sent by 8 clients at once
    user = UserFactory()
    authenticator = register(api, user)["authenticator"]
    sessions_before = LoginSession.objects.filter(user=user).count()
    with server.client() as http:
        started = http.post(LOGIN_OPTIONS).json()
    body = {
        "challenge_id": started["challenge_id"],
        "credential": authenticator.get(started["options"]),
    }
    barrier = threading.Barrier(PARALLEL_REQUESTS)
    statuses: list[int] = []
    codes: list[str | None] = []

    def verify() -> None:
        with server.client() as http:
            barrier.wait()
            response = http.post(LOGIN_VERIFY, json=body)
        statuses.append(response.status_code)
        codes.append(response.json().get("code"))

    # when
    threads = [threading.Thread(target=verify) for _ in range(PARALLEL_REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then one login, every other request told the challenge is used
    assert Counter(statuses) == {200: 1, 400: PARALLEL_REQUESTS - 1}, codes
    assert Counter(codes) == {None: 1, "challenge_invalid": PARALLEL_REQUESTS - 1}
    assert LoginSession.objects.filter(user=user).count() == sessions_before + 1
