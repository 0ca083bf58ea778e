"""The lifetime cap on failed logins (AUTH_LOCKOUT_HARD_LIMIT, NIST SP 800-63B-4 §3.2.2):
failures add up across lock windows, and at the cap only a reset or an unlock helps."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from accounts.login.lockout import user_lockout_key
from accounts.models import AuditLog, LoginLockout
from tests.factories import UserFactory
from tests.problem import assert_problem
from tests.tasks import queue_drained
from tests.upstreams import html_body, text_body

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("smtp_settings", "mail_worker"),
]

LOGIN = "/api/v1/auth/login"
WRONG = "Wrong-password-1"
UNTIL_RESET = (
    "Too many failed logins; the account is locked until its password is reset or an "
    "administrator unlocks it."
)


@pytest.fixture(autouse=True)
def _small_limits(settings):
    settings.AUTH_LOGIN_RATE = "1000/h"
    settings.AXES_FAILURE_LIMIT = 3
    settings.AUTH_LOCKOUT_HARD_LIMIT = 5


def _login(api, login, password=WRONG):
    return api.post(LOGIN, {"login": login, "password": password}, format="json")


def _window_passes(key, settings):
    """What waiting out the cool-off does to the counter: its last attempt is that old."""
    LoginLockout.objects.filter(key=key).update(
        last_attempt_at=LoginLockout.objects.get(key=key).last_attempt_at
        - settings.AXES_COOLOFF_TIME
        - timedelta(seconds=1)
    )


def test_failures_add_up_across_windows_to_a_lock_that_does_not_end(api, settings, smtp):
    alice = UserFactory(username="alice", email="alice@example.com")
    key = user_lockout_key(alice)
    first_window = [_login(api, "alice").status_code for _ in range(3)]
    assert_problem(_login(api, "alice"), 423, "account_locked")  # the window's lock
    _window_passes(key, settings)

    second_window = [_login(api, "alice").status_code for _ in range(2)]  # attempts 4 and 5
    _window_passes(key, settings)
    response = _login(api, "alice", alice.raw_password)

    assert (first_window, second_window) == ([401] * 3, [401] * 2)
    body = assert_problem(response, 423, "account_locked")
    assert body["detail"] == UNTIL_RESET
    assert body["unlock"] == ["password_reset", "admin"]
    assert "Retry-After" not in response
    assert LoginLockout.objects.get(key=key).failures_total == 5  # refused ones not counted


def test_the_owner_is_mailed_once_when_the_cap_is_reached(api, settings, smtp):
    UserFactory(username="alice", email="alice@example.com")
    settings.AXES_FAILURE_LIMIT = 100  # only the cap locks here
    for _ in range(5):
        _login(api, "alice")

    for _ in range(3):
        assert_problem(_login(api, "alice"), 423, "account_locked")

    smtp.wait_for(1)
    queue_drained()
    [message] = smtp.messages
    assert (
        message["Subject"]
        == settings.AUTH_HARD_LOCK_NOTICE_SUBJECT
        != settings.AUTH_LOCKOUT_NOTICE_SUBJECT
    )
    body = text_body(message)
    assert "does not end by itself" in body and "from IP address 127.0.0.1" in body
    assert "does not end by itself" in (html_body(message) or "")
    [locked] = AuditLog.objects.filter(action="account_locked")
    assert locked.details == {"locked_until": "reset"}


def test_a_success_before_the_cap_starts_the_count_again(api, settings):
    alice = UserFactory(username="alice")
    settings.AXES_FAILURE_LIMIT = 100
    for _ in range(4):
        _login(api, "alice")
    assert _login(api, "alice", alice.raw_password).status_code == 200

    statuses = [_login(api, "alice").status_code for _ in range(4)]

    assert statuses == [401] * 4
    assert _login(api, "alice", alice.raw_password).status_code == 200


def test_an_unknown_name_reaches_the_cap_exactly_like_an_account_and_mails_no_one(
    api, settings, smtp
):
    settings.AXES_FAILURE_LIMIT = 100
    UserFactory(username="alice", email="alice@example.com")
    known = [_login(api, "alice").status_code for _ in range(5)] + [_login(api, "alice")]
    unknown = [_login(api, "nobody").status_code for _ in range(5)] + [_login(api, "nobody")]

    assert known[:5] == unknown[:5] == [401] * 5
    assert known[5].json()["detail"] == unknown[5].json()["detail"] == UNTIL_RESET
    smtp.wait_for(1)
    queue_drained()
    assert len(smtp.messages) == 1


def test_unlock_user_ends_the_lock_and_says_so(api, settings, capsys):
    alice = UserFactory(username="alice")
    settings.AXES_FAILURE_LIMIT = 100
    for _ in range(5):
        _login(api, "alice")

    call_command("unlock_user", "alice")

    assert "alice: unlocked (locked until a reset)" in capsys.readouterr().out
    assert _login(api, "alice", alice.raw_password).status_code == 200


def test_the_admin_lists_a_capped_account_as_locked(api, settings, client):
    settings.AXES_FAILURE_LIMIT = 100
    UserFactory(username="alice")
    UserFactory(username="bob")
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(boss)
    for _ in range(5):
        _login(api, "alice")

    page = client.get("/admin/accounts/user/?locked=yes")

    assert page.status_code == 200
    shown = [user.username for user in page.context["cl"].result_list]
    assert shown == ["alice"]


def test_the_default_cap_is_one_hundred():
    from config import settings as configured

    assert configured.AUTH_LOCKOUT_HARD_LIMIT == 100
