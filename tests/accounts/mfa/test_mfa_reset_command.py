"""manage.py mfa_reset: an operator turns an account's second factor off from a shell."""

import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from accounts.models import AuditLog, RecoveryCode, TotpDevice
from tests import servers
from tests.accounts.mfa.helpers import LOGIN, enrol
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_mfa_reset_by_email_in_any_case_turns_it_off_audits_and_mails(api, capsys):
    # given
    user = UserFactory(username="guarded", email="guarded@example.com")
    enrol(api, user)

    # when
    call_command("mfa_reset", " GUARDED@example.com ")

    # then
    assert capsys.readouterr().out == "guarded: second factor turned off; the owner was mailed\n"
    assert not TotpDevice.objects.filter(user=user).exists()
    assert not RecoveryCode.objects.filter(user=user).exists()
    row = AuditLog.objects.get(action="mfa_reset")
    assert (row.user_id, row.details) == (user.pk, {"by": "command:mfa_reset", "had_mfa": True})
    assert DBTaskResult.objects.count() == 1  # the owner's notice, queued with the reset
    login = api.post(LOGIN, {"login": "guarded", "password": user.raw_password}, format="json")
    assert login.status_code == 200, login.content


def test_mfa_reset_of_an_account_without_mfa_says_so_and_mails_nobody(capsys):
    user = UserFactory(username="plain")

    call_command("mfa_reset", "plain")

    assert capsys.readouterr().out == "plain: had no second factor; nothing changed\n"
    row = AuditLog.objects.get(action="mfa_reset")
    assert (row.user_id, row.details) == (user.pk, {"by": "command:mfa_reset", "had_mfa": False})
    assert not DBTaskResult.objects.exists()


def test_mfa_reset_of_an_unknown_user_is_a_command_error():
    with pytest.raises(CommandError, match=r"^nobody_here: no such user$"):
        call_command("mfa_reset", "nobody_here")

    assert not AuditLog.objects.exists()


@pytest.mark.django_db(transaction=True)  # the command runs in its own process
def test_mfa_reset_of_an_unknown_user_exits_non_zero():
    result = subprocess.run(
        [sys.executable, "manage.py", "mfa_reset", "nobody_here"],
        cwd=servers.ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
            "DATABASE_URL": servers.test_database_url(),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert "CommandError: nobody_here: no such user" in result.stderr
