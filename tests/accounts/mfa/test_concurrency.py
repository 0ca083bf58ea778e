"""Single-use second factors under parallel requests against a live multi-worker,
multi-threaded server (SQLite and PostgreSQL): a recovery code, a TOTP step and an
mfa_token's tries are each taken atomically."""

import threading
from collections import Counter

import pytest

from accounts.mfa.models import MfaChallenge, RecoveryCode
from tests.accounts.mfa.helpers import LOGIN_MFA, enrol, mfa_token_of
from tests.factories import UserFactory
from tests.servers import start_gunicorn

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_setup, django_db_blocker):
    # The account's lockout out of the way: these tests are about single use, and nine
    # wrong answers would otherwise lock the account halfway through.
    server = start_gunicorn(
        tmp_path_factory.mktemp("mfa_concurrency"),
        workers=2,
        threads=4,
        env={"AUTH_LOCKOUT_THRESHOLD": "100"},
    )
    yield server
    server.stop()


@pytest.fixture
def alice(api, settings):
    settings.AXES_FAILURE_LIMIT = 100
    user = UserFactory(username="alice")
    user.enrolment = enrol(api, user)
    return user


def _parallel(server, bodies: list[dict]) -> list[tuple[int, str | None]]:
    """POST each body to /login/mfa at the same instant; (status, code) of each answer."""
    barrier = threading.Barrier(len(bodies))
    answers: list[tuple[int, str | None]] = []

    def send(body: dict) -> None:
        with server.client() as http:
            barrier.wait()
            response = http.post(LOGIN_MFA, json=body)
        answers.append((response.status_code, response.json().get("code")))

    threads = [threading.Thread(target=send, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_one_recovery_code_in_ten_parallel_logins_succeeds_exactly_once(server, api, alice):
    # given ten pending logins, all holding the same recovery code
    code = alice.enrolment.recovery_codes[0]
    bodies = [{"mfa_token": mfa_token_of(api, alice), "recovery_code": code} for _ in range(10)]

    # when they send it at the same instant
    answers = _parallel(server, bodies)

    # then one login, nine wrong codes, the code spent once
    assert Counter(answers) == {(200, None): 1, (401, "mfa_code_invalid"): 9}, server.logs()
    assert RecoveryCode.objects.filter(user=alice, used_at__isnull=False).count() == 1


def test_one_totp_code_in_two_parallel_logins_succeeds_exactly_once(server, api, alice):
    # given two pending logins and one code of the app
    code = alice.enrolment.authenticator.fresh_code()
    bodies = [{"mfa_token": mfa_token_of(api, alice), "code": code} for _ in range(2)]

    # when
    answers = _parallel(server, bodies)

    # then
    assert Counter(answers) == {(200, None): 1, (401, "mfa_code_invalid"): 1}, server.logs()


def test_parallel_codes_on_one_mfa_token_get_no_more_than_five_tries(server, api, alice):
    # given one pending login and ten wrong codes sent with it at once
    token = mfa_token_of(api, alice)
    wrong = alice.enrolment.authenticator.wrong_code()
    bodies = [{"mfa_token": token, "code": wrong} for _ in range(10)]

    # when
    answers = _parallel(server, bodies)

    # then the token allowed five codes between all of them
    assert Counter(answers) == {(401, "mfa_code_invalid"): 5, (401, "token_invalid"): 5}, (
        server.logs()
    )
    assert MfaChallenge.objects.get().tries == 5
