"""The user admin's second factor: the MFA column and filter, the read-only field on the
change page, and the "Reset MFA" action end to end (audit row, the owner's mail delivered
to a real SMTP server, and an API login that no longer asks for a code)."""

import pytest
from django_tasks_db.models import DBTaskResult

from accounts.models import AuditLog, RecoveryCode, TotpDevice
from tests.accounts.mfa.helpers import LOGIN, enrol
from tests.factories import UserFactory
from tests.tasks import run_queued_tasks
from tests.upstreams import text_body

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"


@pytest.fixture(autouse=True)
def _rate_limit_out_of_the_way(settings):
    settings.AUTH_LOGIN_RATE = "1000/h"


@pytest.fixture
def guarded(api):
    """A user with TOTP on (enrolled through the API) and one without."""
    user = UserFactory(username="guarded", email="guarded@example.com")
    enrol(api, user)
    UserFactory(username="plain")
    return user


def _usernames(response) -> set[str]:
    return {user.username for user in response.context["cl"].result_list}


def test_user_list_shows_an_mfa_column(boss_client, guarded):
    response = boss_client.get(USERS)

    assert response.status_code == 200
    rows = {user.username: user.mfa_on for user in response.context["cl"].result_list}
    assert rows == {"guarded": True, "plain": False, "boss": False}
    assert "mfa" in response.context["cl"].list_display
    assert ">MFA<" in response.content.decode()


def test_user_list_filters_on_mfa(boss_client, guarded):
    with_mfa = boss_client.get(USERS, {"mfa": "yes"})
    without = boss_client.get(USERS, {"mfa": "no"})

    assert _usernames(with_mfa) == {"guarded"}
    assert _usernames(without) == {"boss", "plain"}


def test_a_pending_enrolment_is_not_mfa(boss_client, api):
    # given: a secret handed out, never confirmed with a code
    user = UserFactory(username="halfway")
    TotpDevice.objects.create(user=user, name="app", confirmed=False, sealed_key="x")

    assert _usernames(boss_client.get(USERS, {"mfa": "yes"})) == set()


def test_change_page_shows_the_second_factor_read_only(boss_client, guarded):
    plain = UserFactory(username="someone")

    on = boss_client.get(f"{USERS}{guarded.pk}/change/")
    off = boss_client.get(f"{USERS}{plain.pk}/change/")

    assert "second_factor" in on.context["adminform"].readonly_fields
    assert "TOTP on since " in on.content.decode()
    assert "10 recovery code(s) left" in on.content.decode()
    assert '<div class="readonly">Off</div>' in off.content.decode()


@pytest.mark.django_db(transaction=True)  # the mail worker sees committed rows only
def test_reset_mfa_action_turns_it_off_audits_mails_and_the_password_alone_logs_in(
    boss_client, guarded, api, smtp_settings
):
    # given: the guarded user's login asks for a second factor
    asked = api.post(LOGIN, {"login": "guarded", "password": guarded.raw_password}, format="json")
    assert asked.json()["code"] == "mfa_required"
    plain = UserFactory(username="bystander")

    # when: an admin runs "Reset MFA" on them and on a user without MFA
    response = boss_client.post(
        USERS,
        {"action": "reset_mfa", "_selected_action": [guarded.pk, plain.pk]},
        follow=True,
    )

    # then: the message counts them, the factor is gone, the reset is audited with its author
    assert response.status_code == 200
    assert "Reset MFA of 1 user(s); their owners were mailed. 1 selected" in (
        response.content.decode()
    )
    assert not TotpDevice.objects.filter(user=guarded).exists()
    assert not RecoveryCode.objects.filter(user=guarded).exists()
    rows = AuditLog.objects.filter(action="mfa_reset")
    by = f"admin:{boss_client.boss.pk}"
    assert {row.user_id: row.details for row in rows} == {
        guarded.pk: {"by": by, "had_mfa": True},
        plain.pk: {"by": by, "had_mfa": False},
    }
    # and one mail, to the owner who had MFA, delivered by the queue's worker
    assert DBTaskResult.objects.count() == 1
    assert run_queued_tasks() == 1
    (message,) = smtp_settings.messages
    assert message["To"] == "guarded@example.com"
    assert message["Subject"] == "Two-factor authentication was turned off for your account"
    assert "guarded" in text_body(message)
    # and the password alone logs in again
    login = api.post(LOGIN, {"login": "guarded", "password": guarded.raw_password}, format="json")
    assert login.status_code == 200, login.content
    assert "mfa_token" not in login.json()


def test_reset_mfa_action_needs_the_change_permission(client, guarded):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(*_permissions("view_user"))
    client.force_login(viewer)

    response = client.post(USERS, {"action": "reset_mfa", "_selected_action": [guarded.pk]})

    assert response.status_code == 200  # the list again: the action is not offered
    assert TotpDevice.objects.filter(user=guarded, confirmed=True).exists()
    assert not AuditLog.objects.filter(action="mfa_reset").exists()


def _permissions(*codenames):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(codename__in=codenames)
