"""Per-account lockout (django-axes with an atomic counter): rules, records, hashing cost."""

import time
from datetime import timedelta

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connections

from accounts.login.lockout import user_lockout_seconds_remaining
from accounts.login.signals import account_locked
from accounts.models import AuditLog, LoginLockout
from tests.factories import UserFactory
from tests.problem import assert_problem

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
WRONG = "Wrong-password-1"


@pytest.fixture(autouse=True)
def _rate_limit_out_of_the_way(settings):
    """These tests count attempts per account; the per-IP rate limit must not answer first."""
    settings.AUTH_LOGIN_RATE = "1000/h"


@pytest.fixture
def alice():
    return UserFactory(username="Alice_W", email="alice@example.com")


@pytest.fixture
def hashes(monkeypatch):
    """How many password hashes the (test) hasher computed."""
    calls = []
    depth = [0]  # verify() calls encode(): count the outermost call only
    for name in ("encode", "verify"):
        original = getattr(MD5PasswordHasher, name)

        def counted(self, *args, _original=original, **kwargs):
            if depth[0] == 0:
                calls.append(1)
            depth[0] += 1
            try:
                return _original(self, *args, **kwargs)
            finally:
                depth[0] -= 1

        monkeypatch.setattr(MD5PasswordHasher, name, counted)
    return calls


@pytest.fixture
def locks():
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    account_locked.connect(receiver)
    yield received
    account_locked.disconnect(receiver)


def _login(api, login, password=WRONG, **extra):
    return api.post(LOGIN, {"login": login, "password": password}, format="json", **extra)


def _fail(api, login, times, **extra):
    return [_login(api, login, **extra).status_code for _ in range(times)]


def test_default_lockout_is_five_failures_for_1800_seconds(settings):
    assert settings.AXES_FAILURE_LIMIT == settings.AUTH_LOCKOUT_THRESHOLD == 5
    assert timedelta(seconds=1800) == settings.AXES_COOLOFF_TIME
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesBackend"


def test_account_locks_at_the_threshold_and_refuses_even_the_right_password(api, alice):
    assert _fail(api, "Alice_W", 5) == [401] * 5

    response = _login(api, "Alice_W", alice.raw_password)

    body = assert_problem(response, 423, "account_locked")
    assert 1790 <= int(response["Retry-After"]) <= 1800
    assert alice.raw_password not in str(body)
    assert 1790 <= user_lockout_seconds_remaining(user=alice) <= 1800


def test_four_failures_do_not_lock(api, alice):
    _fail(api, "Alice_W", 4)

    assert _login(api, "Alice_W", alice.raw_password).status_code == 200
    assert user_lockout_seconds_remaining(user=alice) == 0


def test_success_before_the_threshold_resets_the_count(api, alice):
    _fail(api, "Alice_W", 4)
    assert _login(api, "Alice_W", alice.raw_password).status_code == 200

    assert _fail(api, "Alice_W", 4) == [401] * 4
    assert _login(api, "Alice_W", alice.raw_password).status_code == 200


@pytest.mark.parametrize(
    "names",
    [["Alice_W", "alice_w", "ALICE_W", "alice@example.com", "  ALICE@Example.COM  "]],
)
def test_the_same_account_named_five_ways_is_one_count(api, alice, names):
    for name in names:
        assert _login(api, name).status_code == 401

    response = _login(api, " alice_w ", alice.raw_password)

    assert_problem(response, 423, "account_locked")
    assert LoginLockout.objects.get().key == "alice_w"


def test_unknown_names_are_counted_and_locked_alike(api, alice):
    _fail(api, "Alice_W", 5)
    _fail(api, "ghost_user", 5)

    known = _login(api, "alice_w", alice.raw_password)
    unknown = _login(api, "GHOST_user ", "anything")

    bodies = [assert_problem(r, 423, "account_locked") for r in (known, unknown)]
    for body in bodies:
        body.pop("request_id")
    assert bodies[0] == bodies[1]
    assert abs(int(known["Retry-After"]) - int(unknown["Retry-After"])) <= 1


def test_attempts_during_a_lockout_do_not_extend_it(api, alice):
    _fail(api, "Alice_W", 5)
    before = LoginLockout.objects.get(key="alice_w")

    _fail(api, "Alice_W", 3)
    _login(api, "alice_w", alice.raw_password)

    after = LoginLockout.objects.get(key="alice_w")
    assert (after.attempts, after.last_attempt_at) == (before.attempts, before.last_attempt_at)


def test_lockout_ends_by_itself_after_the_cooloff(api, alice, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    settings.AXES_FAILURE_LIMIT = 2
    _fail(api, "Alice_W", 2)
    assert_problem(_login(api, "Alice_W", alice.raw_password), 423, "account_locked")

    time.sleep(1.1)

    assert _login(api, "Alice_W", alice.raw_password).status_code == 200


def test_failures_older_than_the_cooloff_no_longer_count(api, alice, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    settings.AXES_FAILURE_LIMIT = 2
    _fail(api, "Alice_W", 1)

    time.sleep(1.1)
    _fail(api, "Alice_W", 1)

    assert _login(api, "Alice_W", alice.raw_password).status_code == 200


def test_each_login_costs_one_hash_and_a_locked_one_none(api, alice, hashes):
    _login(api, "Alice_W", alice.raw_password)
    assert len(hashes) == 1
    _fail(api, "Alice_W", 5)
    _fail(api, "nobody_here", 1)
    assert len(hashes) == 7

    _login(api, "Alice_W", alice.raw_password)
    _login(api, "Alice_W")

    assert len(hashes) == 7


def test_failures_are_recorded_with_ip_agent_and_outcome(api, alice):
    _login(api, "Alice_W", alice.raw_password, HTTP_USER_AGENT="agent/1")
    _fail(api, "alice@example.com", 5, HTTP_USER_AGENT="agent/2")
    _login(api, "ALICE_W", alice.raw_password, HTTP_USER_AGENT="agent/3")

    failures = list(AccessFailureLog.objects.order_by("attempt_time", "id"))
    assert [f.username for f in failures] == ["alice_w"] * 6
    assert [f.locked_out for f in failures] == [False] * 4 + [True, True]
    assert {f.ip_address for f in failures} == {"127.0.0.1"}
    assert [f.user_agent for f in failures] == ["agent/2"] * 5 + ["agent/3"]
    success = AuditLog.objects.get(action="login_succeeded")
    assert (success.user, success.user_agent) == (alice, "agent/1")
    assert not AccessLog.objects.exists()  # one success record: the audit trail's


def test_lock_is_announced_once_with_user_ip_and_end(api, alice, locks, caplog):
    caplog.set_level("INFO", logger="authsvc.audit")
    _fail(api, "Alice_W", 7)

    assert len(locks) == 1
    assert locks[0]["user"] == alice
    assert locks[0]["ip"] == "127.0.0.1"
    assert (locks[0]["locked_until"] - alice.date_joined).total_seconds() >= 1790
    locked = [r for r in caplog.records if getattr(r, "audit_action", "") == "account_locked"]
    assert len(locked) == 1
    assert locked[0].user_id == str(alice.id)


def test_lock_of_an_unknown_name_is_announced_without_a_user(api, locks):
    _fail(api, "ghost_user", 5)

    assert [lock["user"] for lock in locks] == [None]


def test_admin_login_of_a_locked_account_is_refused_with_423(client, settings):
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    for _ in range(5):
        client.post("/admin/login/", {"username": "boss", "password": WRONG})

    response = client.post("/admin/login/", {"username": "BOSS", "password": boss.raw_password})

    assert_problem(response, 423, "account_locked")
    assert int(response["Retry-After"]) >= 1


@pytest.mark.django_db(transaction=True)
def test_failures_survive_the_request_transaction_being_rolled_back(api, alice, monkeypatch):
    # given ATOMIC_REQUESTS: each 401 rolls its request's transaction back (axes #628/#611)
    monkeypatch.setitem(connections["default"].settings_dict, "ATOMIC_REQUESTS", True)
    monkeypatch.setitem(connections.settings["default"], "ATOMIC_REQUESTS", True)

    assert _fail(api, "Alice_W", 5) == [401] * 5

    assert_problem(_login(api, "Alice_W", alice.raw_password), 423, "account_locked")
    assert AccessFailureLog.objects.filter(username="alice_w").count() == 6


def test_axes_handler_reports_failures_and_lock_state_for_any_spelling(api, alice, rf):
    from axes.handlers.proxy import AxesProxyHandler

    _fail(api, "Alice_W", 5)
    request = rf.post("/admin/login/")

    assert AxesProxyHandler.get_failures(request, {"username": " ALICE@example.com"}) == 5
    assert AxesProxyHandler.is_locked(request, {"username": "alice_w"}) is True
    assert AxesProxyHandler.is_locked(request, {"username": "someone_else"}) is False


def test_login_failure_signal_without_a_request_is_not_counted(alice, caplog):
    from django.contrib.auth import authenticate

    with pytest.raises(ValueError, match="requires a request"):
        authenticate(None, username="Alice_W", password=WRONG)

    assert not LoginLockout.objects.exists()
