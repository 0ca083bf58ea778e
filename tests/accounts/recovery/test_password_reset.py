"""Password reset end to end: requests over the API, the mail queued with the token, a
real ``db_worker`` delivering it to a real SMTP server on loopback, the token read from it.

Transactional: the worker sees the queued mail once the request commits, as in production.
"""

import secrets
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import AuditLog, RecoveryToken, User
from tests.accounts.recovery.mails import mailed_link, mailed_token
from tests.factories import UserFactory
from tests.problem import assert_problem
from tests.tasks import queue_drained
from tests.tokens import bearer
from tests.upstreams import Stall, text_body

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("smtp_settings", "mail_worker"),
]

RESET = "/api/v1/auth/password/reset"
CONFIRM = "/api/v1/auth/password/reset/confirm"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/token/refresh"
ME = "/api/v1/auth/me"
NEW_PASSWORD = "Fresh-Lantern-73-orbit"


@pytest.fixture(autouse=True)
def _limits_out_of_the_way(settings):
    """Most tests make many requests from 127.0.0.1; the rate-limit tests set their own."""
    settings.AUTH_PASSWORD_RESET_RATE = "1000/h"
    settings.AUTH_LOGIN_RATE = "1000/h"
    settings.AUTH_FRONTEND_URL = "https://app.example.com"


def _reset(api, email):
    return api.post(RESET, {"email": email}, format="json")


def _confirm(api, token, password=NEW_PASSWORD):
    return api.post(CONFIRM, {"token": token, "new_password": password}, format="json")


def _login(api, login, password):
    return api.post(LOGIN, {"login": login, "password": password}, format="json")


def _requested_token(api, smtp, email, mails_before=0) -> str:
    assert _reset(api, email).status_code == 202
    messages = smtp.wait_for(mails_before + 1)
    return mailed_token(messages[-1], "reset-password")


def test_full_reset_flow_sets_the_password_ends_every_session_and_tells_the_owner(
    api, smtp, settings
):
    # given: an account logged in on two devices
    alice = UserFactory(username="alice", email="alice@example.com")
    pairs = [_login(api, "alice", alice.raw_password).json() for _ in range(2)]

    # when: a reset is requested, the mailed token confirmed with a new password
    response = _reset(api, "ALICE@example.com")
    (mail,) = smtp.wait_for(1)
    token = mailed_token(mail, "reset-password")
    confirmed = _confirm(api, token)

    # then: the mail went to the owner with a link into the app
    assert response.status_code == 202
    assert mail["To"] == "alice@example.com"
    assert mail["Subject"] == settings.AUTH_PASSWORD_RESET_SUBJECT
    assert mailed_link(mail) == f"https://app.example.com/reset-password#token={token}"
    # the database holds no usable token
    assert not RecoveryToken.objects.filter(token_hash=token).exists()
    assert token not in str(list(RecoveryToken.objects.values()))
    # the password is the new one, and the reset did not log in
    assert confirmed.status_code == 204
    assert confirmed.content == b""
    assert _login(api, "alice", alice.raw_password).status_code == 401
    assert _login(api, "alice", NEW_PASSWORD).status_code == 200
    # every earlier session ended
    for pair in pairs:
        assert_problem(api.get(ME, **bearer(pair["access"])), 401, "token_invalid")
        assert_problem(
            api.post(REFRESH, {"refresh": pair["refresh"]}, format="json"), 401, "token_invalid"
        )
    # audited, and the owner told when and from where
    assert AuditLog.objects.filter(action="password_reset", status="success").count() == 1
    notice = smtp.wait_for(2)[1]
    assert notice["To"] == "alice@example.com"
    assert notice["Subject"] == settings.AUTH_PASSWORD_RESET_NOTICE_SUBJECT
    body = text_body(notice)
    assert "from IP address 127.0.0.1" in body
    assert " UTC " in body
    assert token not in body


def test_unknown_and_inactive_addresses_get_the_same_answer_and_no_mail(api, smtp):
    # given
    UserFactory(username="alice", email="alice@example.com")
    UserFactory(username="gone", email="gone@example.com", is_active=False)

    # when
    known = _reset(api, "alice@example.com")
    unknown = _reset(api, "nobody@example.com")
    inactive = _reset(api, "gone@example.com")

    # then: one status, one body; one mail, to the active account only
    assert {known.status_code, unknown.status_code, inactive.status_code} == {202}
    assert known.json() == unknown.json() == inactive.json()
    assert set(known.json()) == {"detail"}
    smtp.wait_for(1)
    queue_drained()
    assert [message["To"] for message in smtp.messages] == ["alice@example.com"]


def test_a_stalled_mail_server_does_not_delay_the_202(api, smtp, settings):
    # given: this process' mail server accepts connections and never answers, with a
    # timeout of 5 s: a request that talked to it would hang at least that long
    stall = Stall()
    settings.EMAIL_PORT = stall.port
    settings.EMAIL_TIMEOUT = 5
    UserFactory(username="alice", email="alice@example.com")
    # The first request of a process pays for imports and URL resolution: not the subject.
    assert _reset(api, "nobody@example.com").status_code == 202

    try:
        # when
        started = time.monotonic()
        response = _reset(api, "alice@example.com")
        elapsed = time.monotonic() - started

        # then: answered at once, without a single connection to the mail server
        assert response.status_code == 202
        assert elapsed < 1, f"the reset request took {elapsed:.2f} s"
        assert stall.connections == 0
        # the mail is a task row, which the worker (on the healthy server) delivers
        (row,) = DBTaskResult.objects.all()
        assert row.task_path == "authsvc.mail.mail_deliver"
        assert row.args_kwargs["kwargs"]["to"] == ["alice@example.com"]
        (mail,) = smtp.wait_for(1)
        assert mail["To"] == "alice@example.com"
        assert mailed_token(mail, "reset-password")
    finally:
        stall.close()


def test_a_used_token_is_refused(api, smtp):
    UserFactory(username="alice", email="alice@example.com")
    token = _requested_token(api, smtp, "alice@example.com")
    assert _confirm(api, token).status_code == 204

    body = assert_problem(_confirm(api, token, "Other-Lantern-84-orbit"), 400, "token_invalid")

    assert body["detail"] == "The link is invalid, expired or already used; request a new one."
    assert _login(api, "alice", NEW_PASSWORD).status_code == 200


def test_an_expired_token_is_refused(api, smtp):
    alice = UserFactory(username="alice", email="alice@example.com")
    token = _requested_token(api, smtp, "alice@example.com")
    RecoveryToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert_problem(_confirm(api, token), 400, "token_invalid")
    assert _login(api, "alice", alice.raw_password).status_code == 200


def test_the_token_lives_for_the_configured_time(api, smtp, settings):
    settings.AUTH_PASSWORD_RESET_TTL = 600
    UserFactory(username="alice", email="alice@example.com")
    before = timezone.now()

    _requested_token(api, smtp, "alice@example.com")

    row = RecoveryToken.objects.get()
    assert timedelta(seconds=599) <= row.expires_at - before <= timedelta(seconds=601)


@pytest.mark.parametrize(
    "token",
    [
        secrets.token_urlsafe(32),  # well-formed, never issued
        "not a token",
        "x" * 5000,
    ],
    ids=["forged", "malformed", "overlong"],
)
def test_forged_and_malformed_tokens_are_refused(api, token):
    alice = UserFactory(username="alice", email="alice@example.com")

    assert_problem(_confirm(api, token), 400, "token_invalid")
    assert _login(api, "alice", alice.raw_password).status_code == 200
    assert AuditLog.objects.filter(action="password_reset", status="failure").count() == 1


def test_a_token_is_bound_to_its_account(api, smtp):
    # given: Bob has his own token; Alice's is the one confirmed
    alice = UserFactory(username="alice", email="alice@example.com")
    bob = UserFactory(username="bob", email="bob@example.com")
    alice_token = _requested_token(api, smtp, "alice@example.com")

    assert _confirm(api, alice_token).status_code == 204

    assert _login(api, "alice", NEW_PASSWORD).status_code == 200
    assert _login(api, "bob", bob.raw_password).status_code == 200
    assert _login(api, "bob", NEW_PASSWORD).status_code == 401
    assert alice.pk != bob.pk


def test_a_new_password_kills_every_other_outstanding_token(api, smtp):
    UserFactory(username="alice", email="alice@example.com")
    first = _requested_token(api, smtp, "alice@example.com")
    second = _requested_token(api, smtp, "alice@example.com", mails_before=1)

    assert _confirm(api, second).status_code == 204

    assert_problem(_confirm(api, first, "Other-Lantern-84-orbit"), 400, "token_invalid")


def test_a_changed_email_kills_the_token(api, smtp):
    alice = UserFactory(username="alice", email="alice@example.com")
    token = _requested_token(api, smtp, "alice@example.com")
    User.objects.filter(pk=alice.pk).update(email="alice@elsewhere.example")

    assert_problem(_confirm(api, token), 400, "token_invalid")


def test_a_deactivated_account_cannot_use_its_token(api, smtp):
    alice = UserFactory(username="alice", email="alice@example.com")
    token = _requested_token(api, smtp, "alice@example.com")
    User.objects.filter(pk=alice.pk).update(is_active=False)

    assert_problem(_confirm(api, token), 400, "token_invalid")


def test_the_password_policy_applies_listing_every_failing_rule(api, smtp):
    # given
    UserFactory(username="alice", email="alice@example.com")
    token = _requested_token(api, smtp, "alice@example.com")

    # when: a short, all-lower-case password
    body = assert_problem(_confirm(api, token, "alice"), 400, "validation_error")

    # then: every failing rule, and the token still works for a good password
    assert list(body["errors"]) == ["new_password"]
    messages = body["errors"]["new_password"]
    assert len(messages) >= 3
    assert any("digit" in message for message in messages)
    assert any("upper-case" in message for message in messages)
    assert _confirm(api, token).status_code == 204


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"new_password": NEW_PASSWORD}, "token"),
        ({"token": "abc"}, "new_password"),
    ],
)
def test_a_confirm_without_a_field_is_a_validation_error(api, payload, field):
    body = assert_problem(api.post(CONFIRM, payload, format="json"), 400, "validation_error")

    assert list(body["errors"]) == [field]


def test_a_request_without_a_valid_address_is_a_validation_error(api):
    body = assert_problem(_reset(api, "not-an-address"), 400, "validation_error")

    assert list(body["errors"]) == ["email"]


def test_the_per_ip_rate_limit_answers_429_with_retry_after(api, settings, smtp):
    settings.AUTH_PASSWORD_RESET_RATE = "5/h"

    statuses = [_reset(api, f"nobody{n}@example.com").status_code for n in range(5)]
    refused = _reset(api, "nobody@example.com")

    assert statuses == [202] * 5
    assert_problem(refused, 429, "rate_limited")
    assert 1 <= int(refused["Retry-After"]) <= 3600


def test_the_default_per_ip_rate_is_five_an_hour():
    from config import settings as production

    assert production.AUTH_PASSWORD_RESET_RATE == "5/h"
    assert production.AUTH_PASSWORD_RESET_TTL == 3600
    assert production.AUTH_PASSWORD_RESET_MAX_MAILS == 3


def test_at_most_three_mails_per_address_an_hour_and_still_202(api, smtp):
    # given
    UserFactory(username="alice", email="alice@example.com")

    # when: six requests for one address
    responses = [_reset(api, "alice@example.com") for _ in range(6)]

    # then: every answer alike, three mails
    assert {response.status_code for response in responses} == {202}
    assert len({response.content for response in responses}) == 1
    smtp.wait_for(3)
    queue_drained()
    assert len(smtp.messages) == 3
    assert RecoveryToken.objects.count() == 3
    capped = AuditLog.objects.filter(action="password_reset_requested", status="failure")
    assert capped.count() == 3


def test_the_cap_counts_the_last_hour_only(api, smtp):
    UserFactory(username="alice", email="alice@example.com")
    for _ in range(3):
        _reset(api, "alice@example.com")
    smtp.wait_for(3)
    RecoveryToken.objects.update(created_at=timezone.now() - timedelta(minutes=61))

    assert _reset(api, "alice@example.com").status_code == 202

    smtp.wait_for(4)


def test_a_reset_clears_the_lockout(api, smtp):
    # given: an account locked by wrong guesses (its lockout notice mailed)
    alice = UserFactory(username="alice", email="alice@example.com")
    for _ in range(5):
        _login(api, "alice", "Wrong-password-1")
    assert_problem(_login(api, "alice", alice.raw_password), 423, "account_locked")
    smtp.wait_for(1)

    # when
    token = _requested_token(api, smtp, "alice@example.com", mails_before=1)
    assert _confirm(api, token).status_code == 204

    # then
    assert _login(api, "alice", NEW_PASSWORD).status_code == 200
    row = AuditLog.objects.get(action="password_reset", status="success")
    assert row.details == {"lockout_cleared": True}
