"""Email change end to end: the request mails a token to the new address (through a real
``db_worker`` and a real SMTP server on loopback); confirming it moves the account.

Transactional: the worker sees the queued mail once the request commits, as in production.
"""

import secrets

import pytest

from accounts.models import AuditLog, User
from tests.accounts.recovery.mails import mailed_link, mailed_token
from tests.factories import UserFactory
from tests.problem import assert_problem
from tests.tasks import queue_drained
from tests.tokens import bearer, issue_pair
from tests.upstreams import text_body

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("smtp_settings", "mail_worker"),
]

CHANGE = "/api/v1/auth/email/change"
CONFIRM = "/api/v1/auth/email/change/confirm"
ME = "/api/v1/auth/me"
LOGIN = "/api/v1/auth/login"


@pytest.fixture(autouse=True)
def _limits_out_of_the_way(settings):
    settings.AUTH_LOGIN_RATE = "1000/h"
    settings.AUTH_PASSWORD_RESET_RATE = "1000/h"
    settings.AUTH_FRONTEND_URL = "https://app.example.com"


@pytest.fixture
def alice():
    return UserFactory(username="alice", email="alice@example.com")


def _change(api, user, new_email="alice@new.example", password=None):
    access = issue_pair(user)["access"]
    payload = {"new_email": new_email, "current_password": password or user.raw_password}
    return api.post(CHANGE, payload, format="json", **bearer(access))


def _confirm(api, token):
    return api.post(CONFIRM, {"token": token}, format="json")


def _change_token(api, smtp, user, mails_before=0, **kwargs) -> str:
    assert _change(api, user, **kwargs).status_code == 202
    return mailed_token(smtp.wait_for(mails_before + 1)[-1], "confirm-email")


def test_the_new_address_confirms_the_change_and_the_old_one_is_told(api, smtp, alice, settings):
    # when
    response = _change(api, alice)
    (mail,) = smtp.wait_for(1)
    token = mailed_token(mail, "confirm-email")
    unchanged = User.objects.get(pk=alice.pk).email
    confirmed = _confirm(api, token)

    # then: the mail went to the new address; nothing changed before the confirm
    assert response.status_code == 202
    assert set(response.json()) == {"detail"}
    assert mail["To"] == "alice@new.example"
    assert mail["Subject"] == settings.AUTH_EMAIL_CHANGE_SUBJECT
    assert mailed_link(mail) == f"https://app.example.com/confirm-email#token={token}"
    assert unchanged == "alice@example.com"
    # the address moved, verified
    assert confirmed.status_code == 204
    me = api.get(ME, **bearer(issue_pair(alice)["access"])).json()
    assert (me["email"], me["email_verified"]) == ("alice@new.example", True)
    login = {"login": "alice@new.example", "password": alice.raw_password}
    assert api.post(LOGIN, login, format="json").status_code == 200
    assert AuditLog.objects.filter(action="email_changed", user=alice).count() == 1
    # the old address got a notice
    notice = smtp.wait_for(2)[1]
    assert notice["To"] == "alice@example.com"
    assert notice["Subject"] == settings.AUTH_EMAIL_CHANGED_NOTICE_SUBJECT
    assert "alice@new.example" in text_body(notice)
    assert "from IP address 127.0.0.1" in text_body(notice)


def test_a_wrong_current_password_is_a_validation_error_and_mails_nothing(api, smtp, alice):
    body = assert_problem(_change(api, alice, password="Wrong-password-1"), 400, "validation_error")

    assert body["errors"] == {"current_password": ["The current password is incorrect."]}
    assert AuditLog.objects.filter(action="email_change_requested", status="failure").count() == 1


def test_the_current_password_counts_against_the_login_rate(api, smtp, alice, settings):
    settings.AUTH_LOGIN_RATE = "2/h"
    statuses = [_change(api, alice, password="Wrong-password-1").status_code for _ in range(2)]

    refused = _change(api, alice)

    assert statuses == [400, 400]
    assert_problem(refused, 429, "rate_limited")


def test_an_address_of_another_account_is_a_conflict(api, smtp, alice):
    UserFactory(username="bob", email="bob@example.com")

    body = assert_problem(_change(api, alice, new_email="BOB@example.com"), 409, "conflict")

    assert body["errors"] == {"new_email": ["This email is already taken."]}


def test_the_same_address_is_a_validation_error(api, alice):
    body = assert_problem(
        _change(api, alice, new_email="Alice@example.com"), 400, "validation_error"
    )

    assert list(body["errors"]) == ["new_email"]


def test_an_address_taken_meanwhile_is_a_conflict_at_the_confirm(api, smtp, alice):
    # given: the mail is out, then someone registers the address
    token = _change_token(api, smtp, alice)
    UserFactory(username="carol", email="alice@new.example")

    # when
    body = assert_problem(_confirm(api, token), 409, "conflict")

    # then: nothing changed
    assert body["errors"] == {"new_email": ["This email is already taken."]}
    assert User.objects.get(pk=alice.pk).email == "alice@example.com"


def test_a_change_token_works_once(api, smtp, alice):
    token = _change_token(api, smtp, alice)
    assert _confirm(api, token).status_code == 204

    assert_problem(_confirm(api, token), 400, "token_invalid")


@pytest.mark.parametrize("token", [secrets.token_urlsafe(32), "nope"])
def test_forged_change_tokens_are_refused(api, token):
    assert_problem(_confirm(api, token), 400, "token_invalid")


def test_the_change_kills_outstanding_reset_tokens(api, smtp, alice):
    # given: a reset mailed to the old address, then the change confirmed
    api.post("/api/v1/auth/password/reset", {"email": "alice@example.com"}, format="json")
    reset_token = mailed_token(smtp.wait_for(1)[0], "reset-password")
    change_token = _change_token(api, smtp, alice, mails_before=1)
    assert _confirm(api, change_token).status_code == 204

    # when
    response = api.post(
        "/api/v1/auth/password/reset/confirm",
        {"token": reset_token, "new_password": "Fresh-Lantern-73-orbit"},
        format="json",
    )

    # then
    assert_problem(response, 400, "token_invalid")


def test_at_most_three_change_mails_an_hour_and_still_202(api, smtp, alice):
    # given: five requests, each for another new address
    responses = [_change(api, alice, new_email=f"alice{n}@new.example") for n in range(5)]

    # then: every answer alike, three mails, the rest refused in the audit log only
    assert {response.status_code for response in responses} == {202}
    assert len({response.content for response in responses}) == 1
    smtp.wait_for(3)
    queue_drained()
    assert [message["To"] for message in smtp.messages] == [
        f"alice{n}@new.example" for n in range(3)
    ]
    capped = AuditLog.objects.filter(action="email_change_requested", status="failure")
    assert [row.details for row in capped] == [{"reason": "mail_cap"}] * 2
    assert User.objects.get(pk=alice.pk).email == "alice@example.com"


def test_a_change_needs_a_bearer_token(api):
    payload = {"new_email": "x@example.com", "current_password": "whatever"}

    assert_problem(api.post(CHANGE, payload, format="json"), 401, "not_authenticated")
