"""Unlocking: admin list, filter, action, attempts; unlock_user; axes commands; createsuperuser."""

import logging
import re

import pytest
from django.core.management import CommandError, call_command

from accounts.login.admin import LockedFilter
from accounts.login.lockout import user_lockout_seconds_remaining
from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
USERS = "/admin/accounts/user/"


@pytest.fixture(autouse=True)
def _rate_limit_out_of_the_way(settings):
    settings.AUTH_LOGIN_RATE = "1000/h"


@pytest.fixture
def victim(api):
    user = UserFactory(username="victim", email="victim@example.com")
    for _ in range(5):
        api.post(LOGIN, {"login": "victim", "password": "Wrong-password-1"}, format="json")
    assert user_lockout_seconds_remaining(user=user) > 0
    return user


@pytest.fixture
def bystander(api):
    user = UserFactory(username="bystander")
    api.post(LOGIN, {"login": "bystander", "password": "Wrong-password-1"}, format="json")
    return user


def _audit(caplog, action):
    return [r for r in caplog.records if getattr(r, "audit_action", "") == action]


def test_user_list_shows_locked_state_failed_logins_and_last_login(boss_client, victim, bystander):
    response = boss_client.get(USERS)

    assert response.status_code == 200
    rows = {u.username: u for u in response.context["cl"].result_list}
    assert (rows["victim"].is_locked, rows["victim"].failed_logins) == (1, 5)
    assert (rows["bystander"].is_locked, rows["bystander"].failed_logins) == (0, 1)
    html = response.content.decode()
    for header in ("Locked now", "Failed logins", "Last login"):
        assert header in html


@pytest.mark.parametrize("inline_keys_max", [500, 0])  # a list of keys, or a subquery
def test_user_list_filters_by_locked_state(
    boss_client, victim, bystander, monkeypatch, inline_keys_max
):
    monkeypatch.setattr(LockedFilter, "INLINE_KEYS_MAX", inline_keys_max)

    locked = boss_client.get(USERS, {"locked": "yes"}).context["cl"].result_list
    unlocked = boss_client.get(USERS, {"locked": "no"}).context["cl"].result_list

    assert [u.username for u in locked] == ["victim"]
    assert {u.username for u in unlocked} == {"boss", "bystander"}


@pytest.mark.parametrize(
    ("term", "found"),
    [("VICTIM", ["victim"]), (" victim@EXAMPLE.com ", ["victim"]), ("vict", []), ("example", [])],
)
def test_user_search_is_an_exact_match_on_username_or_email_in_any_case(
    boss_client, victim, bystander, term, found
):
    # Exact matches go through the unique lower() indexes; substrings would scan every user.
    result = boss_client.get(USERS, {"q": term}).context["cl"].result_list

    assert [u.username for u in result] == found


def test_unlock_action_unlocks_clears_counts_and_is_recorded(
    boss_client, victim, bystander, api, caplog
):
    caplog.set_level(logging.INFO, logger="authsvc.audit")

    response = boss_client.post(
        USERS,
        {"action": "unlock_selected", "_selected_action": [victim.pk, bystander.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Unlocked 1 locked user(s)" in response.content.decode()
    assert user_lockout_seconds_remaining(user=victim) == 0
    records = _audit(caplog, "account_unlocked")
    assert {r.user_id for r in records} == {str(victim.id), str(bystander.id)}
    assert {r.details["unlocked_by"] for r in records} == {f"admin:{boss_client.boss.pk}"}
    login = api.post(LOGIN, {"login": "victim", "password": victim.raw_password}, format="json")
    assert login.status_code == 200


def test_change_page_shows_recent_login_attempts(boss_client, victim, api):
    api.post(LOGIN, {"login": "victim", "password": victim.raw_password}, format="json")

    html = boss_client.get(f"{USERS}{victim.pk}/change/").content.decode()

    assert "Recent login attempts" in html
    assert html.count("— failed —") == 4
    assert html.count("— failed, account locked —") == 2  # the fifth failure and the refusal
    assert html.count("— succeeded —") == 0  # still locked: the right password was refused
    assert "127.0.0.1" in html


def test_change_page_shows_a_success_newest_first_after_an_unlock(boss_client, victim, api):
    call_command("unlock_user", "victim")
    ok = api.post(
        LOGIN,
        {"login": "victim", "password": victim.raw_password},
        format="json",
        HTTP_USER_AGENT="agent/ok",
    )
    assert ok.status_code == 200

    html = boss_client.get(f"{USERS}{victim.pk}/change/").content.decode()

    attempts = re.findall(r"<div>([^<]* — [^<]*)</div>", html)
    assert attempts[0].endswith(" — succeeded — 127.0.0.1 — agent/ok")
    assert len(attempts) == 6  # and the five failures before it


def test_change_page_without_attempts_says_so(boss_client):
    quiet = UserFactory()

    html = boss_client.get(f"{USERS}{quiet.pk}/change/").content.decode()

    assert "No login attempts recorded." in html


@pytest.mark.parametrize(
    "path",
    [
        "/admin/axes/accessfailurelog/",
        "/admin/axes/accesslog/",
        "/admin/axes/accessattempt/",
    ],
)
def test_axes_admin_pages_stay_available(boss_client, victim, path):
    assert boss_client.get(path).status_code == 200


def test_unlock_user_command_unlocks_by_email_in_any_case(victim, bystander, api, caplog, capsys):
    caplog.set_level(logging.INFO, logger="authsvc.audit")

    call_command("unlock_user", " VICTIM@example.com ", "bystander")

    out = capsys.readouterr().out
    assert "victim: unlocked (" in out
    assert "bystander: was not locked; failure count cleared" in out
    assert user_lockout_seconds_remaining(user=victim) == 0
    records = _audit(caplog, "account_unlocked")
    assert {r.details["unlocked_by"] for r in records} == {"command:unlock_user"}


def test_unlock_user_command_exits_non_zero_for_an_unknown_user(victim, capsys):
    with pytest.raises(CommandError, match="unknown user"):
        call_command("unlock_user", "nobody_here", "victim")

    captured = capsys.readouterr()
    assert "nobody_here: no such user" in captured.err
    assert "victim: unlocked" in captured.out  # the known ones are still unlocked


def test_axes_reset_username_command_still_unlocks(victim):
    call_command("axes_reset_username", "Victim")

    assert user_lockout_seconds_remaining(user=victim) == 0


def test_axes_reset_ip_command_unlocks_accounts_failed_from_that_ip(victim):
    call_command("axes_reset_ip", "10.9.9.9")
    assert user_lockout_seconds_remaining(user=victim) > 0

    call_command("axes_reset_ip", "127.0.0.1")

    assert user_lockout_seconds_remaining(user=victim) == 0


def test_axes_reset_command_unlocks_everyone(victim):
    call_command("axes_reset")

    assert user_lockout_seconds_remaining(user=victim) == 0


def test_createsuperuser_works_non_interactively(monkeypatch, api):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Root-password-9")

    call_command("createsuperuser", interactive=False, username="Root_1", email="ROOT@Example.com")

    root = User.objects.get(username="Root_1")
    assert (root.is_staff, root.is_superuser, root.email) == (True, True, "ROOT@example.com")
    login = api.post(LOGIN, {"login": "root_1", "password": "Root-password-9"}, format="json")
    assert login.status_code == 200
