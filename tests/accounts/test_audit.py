"""The security audit trail: a log record and an audit_logs row per event."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone

from accounts.audit.services import AuditAction, AuditStatus, audit_record
from accounts.models import AuditLog
from authsvc.context import request_id_var
from authsvc.logging import REDACTED
from tests.factories import UserFactory
from tests.logcapture import capture_logs

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action", list(AuditAction))
def test_every_audit_action_is_written_to_the_table_and_the_log(action):
    # given a request being handled for a user
    user = UserFactory()
    request = RequestFactory().post(
        "/x", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="agent/" + "x" * 400
    )
    token = request_id_var.set(f"req-{action.value}")

    # when the event is recorded
    try:
        with capture_logs() as logs:
            audit_record(
                action=action, status=AuditStatus.FAILURE, user=user, request=request,
                details={"by": "admin-id-1", "password": "must-not-be-stored"},
            )  # fmt: skip
    finally:
        request_id_var.reset(token)

    # then one row and one log record say the same thing
    row = AuditLog.objects.get(action=action.value)
    assert (row.user, row.status, row.request_id) == (user, "failure", f"req-{action.value}")
    assert row.ip_address == "203.0.113.9"
    assert len(row.user_agent) == AuditLog.USER_AGENT_MAX_LENGTH
    assert row.details == {"by": "admin-id-1", "password": REDACTED}
    [record] = logs.by_logger("authsvc.audit")
    assert record["audit_action"] == action.value
    assert record["audit_status"] == "failure"
    assert record["user_id"] == str(user.id)
    assert record["request_id"] == f"req-{action.value}"
    assert "must-not-be-stored" not in logs.text


def test_an_event_outside_a_request_has_no_ip_agent_or_request_id():
    row = audit_record(action=AuditAction.ACCOUNT_UNLOCKED, details={"by": "expiry"})

    assert (row.user, row.ip_address, row.user_agent, row.request_id) == (None, None, "", "")


def test_registration_and_logins_through_the_api_are_audited(api):
    # when a user registers, logs in, then fails a login
    register = api.post(
        "/api/v1/auth/register",
        {"username": "audit_me", "email": "a@example.com", "password": "Str0ng-Pass!"},
        format="json",
    )
    ok = api.post(
        "/api/v1/auth/login", {"login": "audit_me", "password": "Str0ng-Pass!"}, format="json"
    )
    bad = api.post(
        "/api/v1/auth/login", {"login": "audit_me", "password": "Wr0ng-Pass!"}, format="json"
    )

    # then each left a row carrying its request's id
    rows = {row.action: row for row in AuditLog.objects.all()}
    assert set(rows) == {
        "user_registered",
        "email_verification_sent",
        "login_succeeded",
        "login_failed",
    }
    assert rows["user_registered"].request_id == register["X-Request-ID"]
    assert rows["login_succeeded"].request_id == ok["X-Request-ID"]
    assert rows["login_failed"].request_id == bad["X-Request-ID"]
    assert rows["login_failed"].status == "failure"
    assert rows["login_failed"].user is None  # failures never reveal which account exists
    assert str(rows["login_succeeded"].user_id) == register.json()["user"]["id"]


def test_audit_rows_outlive_the_deleted_user():
    user = UserFactory()
    audit_record(action=AuditAction.PASSWORD_CHANGED, user=user)

    user.delete()

    row = AuditLog.objects.get()
    assert row.user is None
    assert row.action == "password_changed"


# --- admin: read-only -----------------------------------------------------------


@pytest.fixture
def admin_client(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_admin_lists_filters_and_searches_audit_logs(admin_client):
    user = UserFactory(username="searched_user")
    audit_record(action=AuditAction.LOGIN_SUCCEEDED, user=user)
    token = request_id_var.set("find-me-42")
    try:
        audit_record(action=AuditAction.LOGIN_FAILED, status=AuditStatus.FAILURE)
    finally:
        request_id_var.reset(token)
    url = "/admin/accounts/auditlog/"

    listing = admin_client.get(url)
    by_user = admin_client.get(url, {"q": "searched_user"})
    by_request = admin_client.get(url, {"q": "find-me-42"})
    by_action = admin_client.get(url, {"action": "login_failed"})
    by_status = admin_client.get(url, {"status": "success"})

    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 2
    assert [row.action for row in by_user.context["cl"].result_list] == ["login_succeeded"]
    assert [row.action for row in by_request.context["cl"].result_list] == ["login_failed"]
    assert [row.action for row in by_action.context["cl"].result_list] == ["login_failed"]
    assert [row.action for row in by_status.context["cl"].result_list] == ["login_succeeded"]


def test_admin_cannot_add_change_or_delete_audit_logs(admin_client):
    row = audit_record(action=AuditAction.LOGOUT, user=UserFactory())
    base = "/admin/accounts/auditlog/"

    add = admin_client.get(f"{base}add/")
    change = admin_client.post(f"{base}{row.pk}/change/", {"action": "forged"})
    delete = admin_client.post(f"{base}{row.pk}/delete/", {"post": "yes"})
    bulk = admin_client.post(base, {"action": "delete_selected", "_selected_action": [row.pk]})
    view = admin_client.get(f"{base}{row.pk}/change/")

    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    assert view.status_code == 200  # viewing is allowed, read-only
    assert AuditLog.objects.get().action == "logout"
    assert bulk.status_code in {200, 302}
    assert AuditLog.objects.count() == 1


# --- purge_audit_logs -----------------------------------------------------------


def _aged(days: int) -> AuditLog:
    row = audit_record(action=AuditAction.LOGIN_SUCCEEDED, user=None)
    AuditLog.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(days=days))
    return row


def test_purge_deletes_only_rows_older_than_the_given_days():
    old, older, recent = _aged(100), _aged(400), _aged(10)
    out = StringIO()

    call_command("purge_audit_logs", "--older-than", "90", stdout=out)

    assert set(AuditLog.objects.values_list("pk", flat=True)) == {recent.pk}
    assert out.getvalue().startswith("2 audit log rows older than")
    assert old.pk != older.pk


def test_purge_dry_run_counts_without_deleting():
    _aged(100)
    out = StringIO()

    call_command("purge_audit_logs", "--older-than", "90", "--dry-run", stdout=out)

    assert AuditLog.objects.count() == 1
    assert out.getvalue().startswith("1 audit log rows older than")
    assert "dry run" in out.getvalue()


@pytest.mark.parametrize("days", ["0", "-3"])
def test_purge_refuses_a_non_positive_age(days):
    with pytest.raises(CommandError, match="at least 1 day"):
        call_command("purge_audit_logs", "--older-than", days)


def test_purge_requires_older_than():
    with pytest.raises(CommandError, match="--older-than"):
        call_command("purge_audit_logs")
