"""The lockout notice end to end: failed logins over the API, the notice queued with the
lockout, a real ``db_worker`` process delivering it to a real SMTP server on loopback.

Transactional: the worker sees the queued notice once the lockout commits, as in production.
"""

import io
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from tests.factories import UserFactory
from tests.logcapture import capture_logs
from tests.problem import assert_problem
from tests.tasks import queue_drained
from tests.upstreams import Stall, text_body

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("smtp_settings", "mail_worker"),
]

LOGIN = "/api/v1/auth/login"
WRONG = "Wrong-password-1"


@pytest.fixture(autouse=True)
def _rate_limit_out_of_the_way(settings):
    """These tests count attempts per account; the per-IP rate limit must not answer first."""
    settings.AUTH_LOGIN_RATE = "1000/h"


def _login(api, login, password=WRONG):
    return api.post(LOGIN, {"login": login, "password": password}, format="json")


def _fail(api, login, times):
    return [_login(api, login) for _ in range(times)]


def _body(message) -> str:
    return text_body(message)


def test_five_wrong_logins_mail_the_owner_once_with_time_ip_and_end(api, smtp, settings):
    # given
    alice = UserFactory(username="alice", email="alice@example.com")
    before = datetime.now(UTC).replace(microsecond=0)

    # when: the fifth failure locks the account
    statuses = [response.status_code for response in _fail(api, "alice", 5)]

    # then: one mail to the owner, saying when, from where and until when
    assert statuses == [401] * 5
    smtp.wait_for(1)
    queue_drained()
    (message,) = smtp.messages
    assert message["To"] == "alice@example.com"
    assert message["Subject"] == settings.AUTH_LOCKOUT_NOTICE_SUBJECT
    body = _body(message)
    assert "from IP address 127.0.0.1" in body
    locked_at, locked_until = (
        datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        for stamp in re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?= UTC)", body)
    )
    assert before <= locked_at <= datetime.now(UTC)
    assert timedelta(seconds=1799) <= locked_until - locked_at <= timedelta(seconds=1801)
    assert "ends by itself" in body
    assert WRONG not in body
    assert alice.raw_password not in body


def test_attempts_during_the_lock_send_no_further_mail(api, smtp):
    # given a locked account whose owner was told
    alice = UserFactory(username="alice", email="alice@example.com")
    _fail(api, "alice", 5)
    smtp.wait_for(1)

    # when: more wrong guesses, the right password, other spellings of the name
    responses = [
        *_fail(api, "alice", 3),
        _login(api, "alice", alice.raw_password),
        _login(api, " ALICE@example.com ", alice.raw_password),
    ]

    # then: all refused while locked, and still only the one mail
    for response in responses:
        assert_problem(response, 423, "account_locked")
        assert int(response["Retry-After"]) > 1790
    queue_drained()
    assert len(smtp.messages) == 1


def test_an_unknown_name_locks_alike_without_mail(api, smtp):
    statuses = [response.status_code for response in _fail(api, "nobody@example.com", 5)]

    assert statuses == [401] * 5
    assert_problem(_login(api, "nobody@example.com"), 423, "account_locked")
    queue_drained()
    assert smtp.messages == []


def test_a_new_lock_after_an_unlock_is_a_new_lockout_and_mailed_again(api, smtp):
    # given: locked, told, and unlocked early by an operator
    UserFactory(username="alice", email="alice@example.com")
    _fail(api, "alice", 5)
    smtp.wait_for(1)
    call_command("unlock_user", "alice", stdout=io.StringIO())

    # when: locked again
    statuses = [response.status_code for response in _fail(api, "alice", 5)]

    # then
    assert statuses == [401] * 5
    assert_problem(_login(api, "alice"), 423, "account_locked")
    smtp.wait_for(2)
    queue_drained()
    assert [message["To"] for message in smtp.messages] == ["alice@example.com"] * 2


def test_with_smtp_stalled_the_locking_request_answers_at_once(api, smtp, settings):
    # given: this process' mail server accepts connections and never answers, with a long
    # timeout: a request that talked to it would hang for EMAIL_TIMEOUT
    stall = Stall()
    settings.EMAIL_PORT = stall.port
    settings.EMAIL_TIMEOUT = 5
    alice = UserFactory(username="alice", email="alice@example.com")
    _fail(api, "alice", 4)

    # when: the fifth failure locks the account and queues the notice
    with capture_logs() as logs:
        started = time.monotonic()
        locking = _login(api, "alice")
        elapsed = time.monotonic() - started
    locked = _login(api, "alice", alice.raw_password)

    # then: the request never touched SMTP; the worker (on the healthy server) delivers
    try:
        assert locking.status_code == 401
        assert elapsed < 1.5, f"the locking request took {elapsed:.2f} s"
        assert stall.connections == 0
        assert logs.by_logger("authsvc.mail") == []
        assert_problem(locked, 423, "account_locked")
        (message,) = smtp.wait_for(1)
        assert message["To"] == "alice@example.com"
    finally:
        stall.close()
