"""manage.py purge_tokens: ended sessions past retention go; live and recent ones stay."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import LoginSession, MfaChallenge, RecoveryToken, TokenPurpose
from tests.factories import UserFactory
from tests.tokens import claims_of, issue_pair

pytestmark = pytest.mark.django_db


def _sid(pair) -> str:
    return claims_of(pair["refresh"])["sid"]


def test_purge_tokens_deletes_only_sessions_ended_before_the_retention(settings):
    # given live, recently revoked, long revoked and long expired sessions
    settings.AUTH_SESSION_RETENTION_DAYS = 30
    user = UserFactory()
    live, recent, old_revoked, old_expired = (issue_pair(user) for _ in range(4))
    long_ago = timezone.now() - timedelta(days=31)
    LoginSession.objects.filter(id=_sid(recent)).update(revoked_at=timezone.now())
    LoginSession.objects.filter(id=_sid(old_revoked)).update(revoked_at=long_ago)
    LoginSession.objects.filter(id=_sid(old_expired)).update(expires_at=long_ago)
    out = StringIO()

    # when the purge runs
    call_command("purge_tokens", stdout=out)

    # then only the two long-ended sessions are gone
    assert set(LoginSession.objects.values_list("id", flat=True).iterator()) == {
        LoginSession.objects.get(id=_sid(live)).id,
        LoginSession.objects.get(id=_sid(recent)).id,
    }
    assert "deleted 2 login session(s)" in out.getvalue()


def test_purge_tokens_retention_can_be_given_on_the_command_line():
    pair = issue_pair(UserFactory())
    LoginSession.objects.update(revoked_at=timezone.now() - timedelta(hours=1))

    call_command("purge_tokens", "--retention-days", "0", stdout=StringIO())

    assert not LoginSession.objects.filter(id=_sid(pair)).exists()


def test_purge_tokens_deletes_mailed_tokens_and_pending_mfa_logins_expired_long_ago(settings):
    # given, for one user, a mailed token and a pending MFA login each, long expired and live
    settings.AUTH_SESSION_RETENTION_DAYS = 30
    user = UserFactory()
    now, long_ago = timezone.now(), timezone.now() - timedelta(days=31)
    for index, expires_at in enumerate((long_ago, now + timedelta(hours=1))):
        RecoveryToken.objects.create(
            user=user, purpose=TokenPurpose.PASSWORD_RESET, token_hash=f"{index:064x}",
            email=user.email, expires_at=expires_at,
        )  # fmt: skip
        MfaChallenge.objects.create(
            user=user, token_hash=f"{index:064x}", lockout_key=user.username, expires_at=expires_at
        )
    out = StringIO()

    # when the purge runs
    call_command("purge_tokens", stdout=out)

    # then only the live ones stay
    assert list(RecoveryToken.objects.values_list("expires_at", flat=True)) == [
        now + timedelta(hours=1)
    ]
    assert MfaChallenge.objects.get().expires_at > now
    assert "1 mailed token(s), 1 pending second-factor login(s)" in out.getvalue()
