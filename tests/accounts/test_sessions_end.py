"""Whatever path changes a password or disables an account, its sessions end; and the admin
can end them on purpose. One mechanism (User.save → users.signals → tokens) under all paths."""

import io
import logging

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.management.commands import changepassword
from django.contrib.auth.models import Permission
from django.core.management import call_command

from accounts.models import LoginSession, RevokeReason, User
from tests.factories import UserFactory
from tests.problem import assert_problem
from tests.tokens import bearer, issue_pair

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me"
REFRESH = "/api/v1/auth/token/refresh"
LOGIN = "/api/v1/auth/login"
USERS = "/admin/accounts/user/"
NEW_PASSWORD = "Brand-New-Secret-42"


def _assert_dead(api, pair):
    assert_problem(api.get(ME, **bearer(pair["access"])), 401, "token_invalid")
    assert_problem(
        api.post(REFRESH, {"refresh": pair["refresh"]}, format="json"), 401, "token_invalid"
    )


def _assert_alive(api, pair):
    assert api.get(ME, **bearer(pair["access"])).status_code == 200


def test_the_admins_change_password_form_ends_every_session(api, boss_client):
    user = UserFactory()
    pair = issue_pair(user)

    response = boss_client.post(
        f"{USERS}{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302, response.content
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert user.password_changed_at is not None
    _assert_dead(api, pair)
    assert LoginSession.objects.get().revoke_reason == RevokeReason.PASSWORD_CHANGED


def test_manage_py_changepassword_ends_every_session(api, monkeypatch):
    user = UserFactory()
    pair = issue_pair(user)
    # The command reads the password from the terminal; answer its two prompts.
    monkeypatch.setattr(changepassword.Command, "_get_pass", lambda self, prompt="": NEW_PASSWORD)

    call_command("changepassword", user.username, stdout=io.StringIO())

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    _assert_dead(api, pair)


def test_a_shell_set_password_and_save_ends_every_session(api):
    user = UserFactory()
    pair = issue_pair(user)

    user.set_password(NEW_PASSWORD)
    user.save()

    _assert_dead(api, pair)
    assert User.objects.get(pk=user.pk).password_changed_at == user.password_changed_at


def test_a_save_without_a_new_password_ends_nothing(api):
    user = UserFactory()
    pair = issue_pair(user)

    user.email = "elsewhere@example.com"
    user.save()

    _assert_alive(api, pair)
    assert User.objects.get(pk=user.pk).password_changed_at is None


def test_a_rehash_at_login_is_not_a_password_change(api, settings):
    # given a user whose hash was made by an older, still accepted hasher
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = UserFactory()
    User.objects.filter(pk=user.pk).update(
        password=make_password(user.raw_password, hasher="pbkdf2_sha256")
    )
    pair = issue_pair(user)

    # when a login upgrades the hash
    response = api.post(
        LOGIN, {"login": user.username, "password": user.raw_password}, format="json"
    )

    # then the hash changed, the password did not: earlier sessions live on
    assert response.status_code == 200, response.content
    stored = User.objects.get(pk=user.pk)
    assert stored.password.startswith("md5$")
    assert stored.password_changed_at is None
    _assert_alive(api, pair)


def test_disabling_an_account_ends_its_sessions_and_enabling_it_revives_none(api, boss_client):
    user = UserFactory()
    pair = issue_pair(user)

    user.is_active = False
    user.save(update_fields=["is_active"])
    user.is_active = True
    user.save(update_fields=["is_active"])

    _assert_dead(api, pair)
    assert LoginSession.objects.get().revoke_reason == RevokeReason.USER_DEACTIVATED


def test_the_admin_action_ends_all_sessions_of_the_selected_users_and_audits_it(
    api, boss_client, caplog
):
    caplog.set_level(logging.INFO, logger="authsvc.audit")
    chosen, other = UserFactory(), UserFactory()
    chosen_pairs = [issue_pair(chosen), issue_pair(chosen)]
    other_pair = issue_pair(other)

    response = boss_client.post(
        USERS, {"action": "end_all_sessions", "_selected_action": [str(chosen.pk)]}, follow=True
    )

    assert response.status_code == 200
    assert "Ended 2 session(s) of 1 user(s)" in response.content.decode()
    for pair in chosen_pairs:
        _assert_dead(api, pair)
    _assert_alive(api, other_pair)
    assert set(
        LoginSession.objects.filter(user=chosen).values_list("revoke_reason", flat=True)
    ) == {RevokeReason.ENDED_BY_ADMIN}
    [record] = [r for r in caplog.records if getattr(r, "audit_action", "") == "sessions_ended"]
    assert record.user_id == str(chosen.pk)
    assert record.details == {"by": f"admin:{boss_client.boss.pk}", "count": 2}


def test_a_user_without_the_change_permission_cannot_end_sessions(api, client):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename="view_user"))
    client.force_login(viewer)
    user = UserFactory()
    pair = issue_pair(user)

    client.post(USERS, {"action": "end_all_sessions", "_selected_action": [str(user.pk)]})

    _assert_alive(api, pair)
