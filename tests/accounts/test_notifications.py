"""The lockout notice, delivered to a real SMTP server on loopback (aiosmtpd)."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.login.notifications import lockout_notify
from authsvc import breakers
from authsvc.mail import mail_send
from tests.factories import UserFactory
from tests.servers import free_port
from tests.tasks import run_queued_tasks
from tests.upstreams import html_body, text_body

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("smtp_settings")]


def _locked_until(minutes: int = 15) -> datetime:
    return timezone.now() + timedelta(minutes=minutes)


def test_lockout_notice_reaches_the_owner_with_time_ip_and_end(
    smtp, settings, django_capture_on_commit_callbacks
):
    # given
    user = UserFactory()
    until = datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        lockout_notify(user=user, ip="203.0.113.7", locked_until=until)
    run_queued_tasks()

    # then
    (message,) = smtp.messages
    assert message["To"] == user.email
    assert message["Subject"] == settings.AUTH_LOCKOUT_NOTICE_SUBJECT
    body = text_body(message)
    assert "203.0.113.7" in body
    assert "2031-01-02 03:04:05 UTC" in body
    assert "ends by itself" in body
    assert user.raw_password not in body
    html = html_body(message)
    assert html is not None and "<p>" in html and "2031-01-02 03:04:05 UTC" in html


def test_lockout_notice_is_sent_once_per_lockout(smtp, django_capture_on_commit_callbacks):
    user = UserFactory()
    until = _locked_until()

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            lockout_notify(user=user, ip="203.0.113.7", locked_until=until)
    run_queued_tasks()

    assert len(smtp.messages) == 1


def test_rolled_back_lockout_sends_nothing(smtp, django_capture_on_commit_callbacks):
    user = UserFactory()

    def lock_then_fail() -> None:
        with transaction.atomic():
            lockout_notify(user=user, ip="203.0.113.7", locked_until=_locked_until())
            raise RuntimeError("lockout rolled back")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        lock_then_fail()
    run_queued_tasks()

    assert callbacks == []
    assert smtp.messages == []


def test_lockout_notice_with_smtp_down_logs_and_returns(
    settings, caplog, django_capture_on_commit_callbacks
):
    # given: nothing listens on the mail port
    settings.EMAIL_PORT = free_port()
    user = UserFactory()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        lockout_notify(user=user, ip="203.0.113.7", locked_until=_locked_until())
    run_queued_tasks()

    # then: no exception; a warning without the recipient's address, and a retry queued
    records = [r for r in caplog.records if r.name == "authsvc.mail" and r.levelname != "INFO"]
    assert [r.levelname for r in records] == ["WARNING"]
    assert "mail not sent" in records[0].getMessage()
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    assert user.email not in caplog.text


def test_mail_breaker_opens_and_then_skips_the_server(settings, caplog):
    # given: the mail server is down until the breaker opens
    settings.EMAIL_PORT = free_port()
    cb = breakers.breaker("mail")
    for _ in range(cb.fail_max):
        assert mail_send(to=["a@example.com"], subject="s", body="b") is False
    assert cb.current_state == "open"

    # when: the server is back but the breaker is still open
    settings.EMAIL_PORT = 1  # would fail if contacted; the breaker must not let it
    caplog.clear()
    caplog.set_level(logging.WARNING)
    sent = mail_send(to=["a@example.com"], subject="s", body="b")

    # then
    assert sent is False
    assert "circuit breaker is open" in caplog.text


def test_mail_send_returns_true_when_the_server_accepts(smtp):
    assert mail_send(to=["a@example.com"], subject="Hello", body="Body") is True
    assert smtp.messages[0]["From"] == "authsvc <noreply@example.com>"


def test_user_without_email_gets_no_notice(smtp, django_capture_on_commit_callbacks):
    user = UserFactory(email="")

    with django_capture_on_commit_callbacks(execute=True):
        lockout_notify(user=user, ip=None, locked_until=_locked_until())
    run_queued_tasks()

    assert smtp.messages == []


def test_cache_down_still_sends_the_notice(
    settings, smtp, caplog, django_capture_on_commit_callbacks
):
    # given: a cache backend whose Redis is unreachable
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    user = UserFactory()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        lockout_notify(user=user, ip="203.0.113.7", locked_until=_locked_until())
    run_queued_tasks()

    # then: a repeat is better than silence
    assert len(smtp.messages) == 1
    assert "not deduplicating" in caplog.text
