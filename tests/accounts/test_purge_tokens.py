"""manage.py purge_tokens: ended sessions past retention go; live and recent ones stay."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import LoginSession
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
