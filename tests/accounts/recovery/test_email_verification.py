"""Email verification end to end: registration queues the mail, a real ``db_worker``
delivers it to a real SMTP server on loopback, the token read from it proves the address.

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
from tests.upstreams import Stall

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("smtp_settings", "mail_worker"),
]

REGISTER = "/api/v1/auth/register"
VERIFY = "/api/v1/auth/email/verify"
RESEND = "/api/v1/auth/email/verify/resend"
LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"
RESET_CONFIRM = "/api/v1/auth/password/reset/confirm"
PASSWORD = "Str0ng!passphrase"


@pytest.fixture(autouse=True)
def _limits_out_of_the_way(settings):
    settings.AUTH_PASSWORD_RESET_RATE = "1000/h"
    settings.AUTH_REGISTER_RATE = "1000/h"
    settings.AUTH_LOGIN_RATE = "1000/h"
    settings.AUTH_FRONTEND_URL = "https://app.example.com"


def _register(api, username="bob"):
    return api.post(
        REGISTER,
        {"username": username, "email": f"{username}@example.com", "password": PASSWORD},
        format="json",
    )


def _verify(api, token):
    return api.post(VERIFY, {"token": token}, format="json")


def _login(api, login, password=PASSWORD):
    return api.post(LOGIN, {"login": login, "password": password}, format="json")


def _me(api, access):
    return api.get(ME, **bearer(access)).json()


def test_registration_mails_a_token_that_verifies_the_address(api, smtp, settings):
    # given: a new account, not verified yet
    registered = _register(api)
    assert registered.status_code == 201
    access = registered.json()["access"]
    assert _me(api, access)["email_verified"] is False

    # when: the mailed token is confirmed
    (mail,) = smtp.wait_for(1)
    token = mailed_token(mail, "verify-email")
    response = _verify(api, token)

    # then
    assert mail["To"] == "bob@example.com"
    assert mail["Subject"] == settings.AUTH_EMAIL_VERIFY_SUBJECT
    assert mailed_link(mail) == f"https://app.example.com/verify-email#token={token}"
    assert response.status_code == 204
    assert response.content == b""
    assert _me(api, access)["email_verified"] is True
    bob = User.objects.get(username="bob")
    assert bob.email_verified_at is not None
    assert AuditLog.objects.filter(action="email_verified", user=bob).count() == 1
    assert not RecoveryToken.objects.filter(token_hash=token).exists()


def test_a_stalled_mail_server_does_not_delay_the_registration(api, smtp, settings):
    # given: this process' mail server accepts connections and never answers, with a
    # timeout of 5 s: a request that talked to it would hang at least that long
    stall = Stall()
    settings.EMAIL_PORT = stall.port
    settings.EMAIL_TIMEOUT = 5
    # The first registration of a process pays for imports and the password strength
    # checker's dictionaries: not the subject.
    assert _register(api, "early").status_code == 201

    try:
        # when
        started = time.monotonic()
        response = _register(api)
        elapsed = time.monotonic() - started

        # then: answered at once, without a single connection to the mail server
        assert response.status_code == 201
        assert elapsed < 1, f"the registration took {elapsed:.2f} s"
        assert stall.connections == 0
        # the verification mail is a task row, which the worker (on the healthy server) delivers
        recipients = [row.args_kwargs["kwargs"]["to"] for row in DBTaskResult.objects.all()]
        assert sorted(recipients) == [["bob@example.com"], ["early@example.com"]]
        mails = smtp.wait_for(2)
        (mail,) = [mail for mail in mails if mail["To"] == "bob@example.com"]
        assert mailed_token(mail, "verify-email")
    finally:
        stall.close()


def test_a_verification_token_works_once(api, smtp):
    _register(api)
    token = mailed_token(smtp.wait_for(1)[0], "verify-email")
    assert _verify(api, token).status_code == 204

    body = assert_problem(_verify(api, token), 400, "token_invalid")

    assert body["detail"] == "The link is invalid, expired or already used; request a new one."


def test_an_expired_verification_token_is_refused(api, smtp):
    _register(api)
    token = mailed_token(smtp.wait_for(1)[0], "verify-email")
    RecoveryToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert_problem(_verify(api, token), 400, "token_invalid")
    assert User.objects.get(username="bob").email_verified_at is None


def test_the_verification_token_lives_a_day_by_default(api, smtp, settings):
    before = timezone.now()

    _register(api)

    smtp.wait_for(1)
    row = RecoveryToken.objects.get()
    assert row.purpose == "email_verify"
    lifetime = row.expires_at - before
    assert timedelta(seconds=settings.AUTH_EMAIL_VERIFY_TTL - 1) <= lifetime
    assert lifetime <= timedelta(seconds=settings.AUTH_EMAIL_VERIFY_TTL + 1)
    assert settings.AUTH_EMAIL_VERIFY_TTL == 86400


@pytest.mark.parametrize("token", [secrets.token_urlsafe(32), "nope", "y" * 5000])
def test_forged_and_malformed_verification_tokens_are_refused(api, token):
    assert_problem(_verify(api, token), 400, "token_invalid")


def test_a_verification_without_a_token_is_a_validation_error(api):
    body = assert_problem(api.post(VERIFY, {}, format="json"), 400, "validation_error")

    assert list(body["errors"]) == ["token"]


def test_a_reset_token_does_not_verify_an_address(api, smtp):
    UserFactory(username="alice", email="alice@example.com")
    api.post("/api/v1/auth/password/reset", {"email": "alice@example.com"}, format="json")
    reset_token = mailed_token(smtp.wait_for(1)[0], "reset-password")

    assert_problem(_verify(api, reset_token), 400, "token_invalid")


def test_a_changed_address_kills_the_verification_token(api, smtp):
    _register(api)
    token = mailed_token(smtp.wait_for(1)[0], "verify-email")
    User.objects.filter(username="bob").update(email="bob@elsewhere.example")

    assert_problem(_verify(api, token), 400, "token_invalid")


def test_resend_mails_a_new_token(api, smtp):
    access = _register(api).json()["access"]
    smtp.wait_for(1)

    response = api.post(RESEND, **bearer(access))

    assert response.status_code == 202
    assert set(response.json()) == {"detail"}
    token = mailed_token(smtp.wait_for(2)[1], "verify-email")
    assert _verify(api, token).status_code == 204


def test_resend_for_a_verified_address_answers_202_and_sends_nothing(api, smtp):
    access = _register(api).json()["access"]
    assert _verify(api, mailed_token(smtp.wait_for(1)[0], "verify-email")).status_code == 204

    response = api.post(RESEND, **bearer(access))

    assert response.status_code == 202
    queue_drained()
    assert len(smtp.messages) == 1


def test_resend_needs_a_bearer_token(api):
    assert_problem(api.post(RESEND), 401, "not_authenticated")


def test_resend_is_rate_limited_per_ip(api, settings, smtp):
    access = _register(api).json()["access"]
    settings.AUTH_PASSWORD_RESET_RATE = "2/h"

    statuses = [api.post(RESEND, **bearer(access)).status_code for _ in range(2)]
    refused = api.post(RESEND, **bearer(access))

    assert statuses == [202, 202]
    assert_problem(refused, 429, "rate_limited")
    assert int(refused["Retry-After"]) >= 1


def test_resend_and_reset_requests_have_separate_budgets(api, settings, smtp):
    # given: this client has used up its reset requests
    access = _register(api).json()["access"]
    settings.AUTH_PASSWORD_RESET_RATE = "2/h"
    resets = [
        api.post("/api/v1/auth/password/reset", {"email": "nobody@example.com"}, format="json")
        for _ in range(3)
    ]

    # when
    response = api.post(RESEND, **bearer(access))

    # then: a resend is not refused for them
    assert [reset.status_code for reset in resets] == [202, 202, 429]
    assert response.status_code == 202


def test_resend_mails_at_most_three_an_hour(api, smtp):
    access = _register(api).json()["access"]

    statuses = [api.post(RESEND, **bearer(access)).status_code for _ in range(5)]

    # the registration mail counts: three in all
    assert statuses == [202] * 5
    smtp.wait_for(3)
    queue_drained()
    assert len(smtp.messages) == 3


class TestRequiredVerification:
    @pytest.fixture(autouse=True)
    def _required(self, settings):
        settings.AUTH_REQUIRE_VERIFIED_EMAIL = True

    def test_registration_answers_the_user_and_no_tokens(self, api, smtp):
        response = _register(api)

        assert response.status_code == 201
        body = response.json()
        assert set(body) == {"user", "verification_mail_sent"}
        assert body["verification_mail_sent"] is True
        assert body["user"]["username"] == "bob"
        assert body["user"]["email"] == "bob@example.com"
        assert body["user"]["email_verified"] is False
        assert "refresh" not in response.cookies
        assert mailed_token(smtp.wait_for(1)[0], "verify-email")

    def test_login_of_an_unverified_account_is_403_after_the_password_check(self, api, smtp):
        _register(api)

        refused = _login(api, "bob")
        wrong = _login(api, "bob", "Wrong-password-1")

        body = assert_problem(refused, 403, "email_unverified")
        assert "verif" in body["detail"]
        assert_problem(wrong, 401, "invalid_credentials")
        row = AuditLog.objects.get(action="login_failed", user__username="bob")
        assert row.details == {"reason": "email_unverified"}

    def test_a_password_reset_proves_the_address_too(self, api, smtp):
        # given: the verification mail lost; login refused
        _register(api)
        smtp.wait_for(1)
        assert_problem(_login(api, "bob"), 403, "email_unverified")

        # when: the owner resets the password through the mailed reset token
        api.post("/api/v1/auth/password/reset", {"email": "bob@example.com"}, format="json")
        token = mailed_token(smtp.wait_for(2)[1], "reset-password")
        new_password = "Fresh-Lantern-73-orbit"
        confirm = {"token": token, "new_password": new_password}
        assert api.post(RESET_CONFIRM, confirm, format="json").status_code == 204

        # then
        assert User.objects.get(username="bob").email_verified_at is not None
        assert _login(api, "bob", new_password).status_code == 200

    def test_login_works_once_the_address_is_verified(self, api, smtp):
        _register(api)
        assert _verify(api, mailed_token(smtp.wait_for(1)[0], "verify-email")).status_code == 204

        response = _login(api, "bob")

        assert response.status_code == 200
        assert set(response.json()) >= {"access", "refresh"}
