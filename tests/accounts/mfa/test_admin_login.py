"""The admin's login with a second factor: staff with TOTP give a code (one use per code,
wrong ones audited and counted toward the lockout), and with AUTH_ADMIN_REQUIRE_MFA staff
without TOTP are sent to enrol in the admin first."""

import re

import pytest
from axes.models import AccessFailureLog
from django.contrib import admin

from accounts.mfa.admin import MfaAdminSite
from accounts.models import AuditLog, TotpDevice
from tests.accounts.mfa.helpers import Authenticator, enrol
from tests.factories import UserFactory
from tests.problem import assert_problem

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
INDEX = "/admin/"
USERS = "/admin/accounts/user/"
ENROL = "/admin/mfa/enrol/"
LOGOUT = "/admin/logout/"


@pytest.fixture(autouse=True)
def _rate_limit_out_of_the_way(settings):
    """These tests are about codes and the account lockout, not the per-IP rate."""
    settings.AUTH_LOGIN_RATE = "1000/h"


@pytest.fixture
def boss(api):
    """A superuser with TOTP on (enrolled through the API); ``boss.app`` makes codes."""
    user = UserFactory(username="boss", is_staff=True, is_superuser=True)
    user.app = enrol(api, user).authenticator
    return user


def _login(client, user, code=None):
    data = {"username": user.username, "password": user.raw_password, "next": INDEX}
    if code is not None:
        data["code"] = code
    return client.post(LOGIN, data)


def _last_failure() -> AuditLog:
    return AuditLog.objects.filter(action="login_failed").latest("id")


def test_every_app_registers_on_the_mfa_admin_site():
    assert isinstance(admin.site, MfaAdminSite)
    assert {"accounts", "axes", "auth"} <= {model._meta.app_label for model in admin.site._registry}


def test_the_login_page_asks_for_a_code(client):
    html = client.get(LOGIN).content.decode()

    assert 'name="code"' in html
    assert 'autocomplete="one-time-code"' in html


def test_password_alone_is_refused_and_asks_for_the_code(client, boss):
    response = _login(client, boss)

    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert response.context["form"].errors.as_data()["__all__"][0].code == "mfa_code_required"
    assert 'name="code"' in response.content.decode()
    row = _last_failure()
    assert (row.user_id, row.status) == (boss.pk, "failure")
    assert row.details == {"via": "admin", "reason": "mfa_code_required"}
    assert client.get(INDEX).status_code == 302  # still outside


def test_wrong_code_is_refused_audited_and_logged_for_the_lockout(client, boss):
    response = _login(client, boss, boss.app.wrong_code())

    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert response.context["form"].errors.as_data()["__all__"][0].code == "mfa_code_invalid"
    row = _last_failure()
    assert (row.user_id, row.details) == (boss.pk, {"via": "admin", "reason": "mfa_code_invalid"})
    assert AccessFailureLog.objects.filter(username="boss").count() == 1


def test_right_code_opens_the_admin_and_is_audited_with_its_amr(client, boss):
    response = _login(client, boss, boss.app.fresh_code())

    assert response.status_code == 302
    assert response["Location"] == INDEX
    assert client.get(INDEX).status_code == 200
    assert client.get(USERS).status_code == 200
    row = AuditLog.objects.get(action="login_succeeded")
    assert (row.user_id, row.details) == (boss.pk, {"via": "admin", "amr": ["pwd", "otp", "mfa"]})


def test_a_code_with_spaces_is_accepted(client, boss):
    code = boss.app.fresh_code()

    response = _login(client, boss, f" {code[:3]} {code[3:]} ")

    assert response.status_code == 302


def test_a_replayed_code_is_refused(client, boss):
    # given: a code that opened the admin once
    code = boss.app.fresh_code()
    assert _login(client, boss, code).status_code == 302
    client.logout()

    # when: the same code is given again
    response = _login(client, boss, code)

    # then
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["__all__"][0].code == "mfa_code_invalid"
    assert _last_failure().details == {"via": "admin", "reason": "mfa_code_invalid"}


def test_wrong_codes_lock_the_account_like_wrong_passwords(client, boss, settings):
    # given: as many wrong codes (after the right password) as the lockout allows
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert _login(client, boss, boss.app.wrong_code()).status_code == 200

    # when: the right password and the right code
    response = _login(client, boss, boss.app.fresh_code())

    # then: the account is locked, and its lock was announced once
    assert_problem(response, 423, "account_locked")
    assert AuditLog.objects.filter(action="account_locked", user=boss).count() == 1


def test_a_session_without_the_code_is_not_let_in(client, boss):
    # given: a session opened without the admin's form (say, before TOTP was turned on)
    client.force_login(boss)

    response = client.get(USERS)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")


def test_after_an_mfa_reset_the_verified_session_is_no_longer_verified(client, boss):
    from accounts.mfa.services import mfa_reset

    assert _login(client, boss, boss.app.fresh_code()).status_code == 302
    mfa_reset(user=boss, by="test")

    # no second factor any more: the optional mode lets the password-only session in
    assert client.get(USERS).status_code == 200


def test_staff_without_totp_log_in_with_the_password_when_it_is_optional(client):
    staff = UserFactory(username="staff", is_staff=True, is_superuser=True)

    assert _login(client, staff).status_code == 302
    assert client.get(INDEX).status_code == 200


# --- AUTH_ADMIN_REQUIRE_MFA -----------------------------------------------------------


@pytest.fixture
def required(settings):
    settings.AUTH_ADMIN_REQUIRE_MFA = True


@pytest.fixture
def newcomer(client, required):
    """A superuser without TOTP, logged in to the admin with the password."""
    user = UserFactory(username="newcomer", is_staff=True, is_superuser=True)
    assert _login(client, user).status_code == 302
    return user


def _app_of(response) -> Authenticator:
    """The authenticator app that scanned the enrolment page's secret."""
    return Authenticator(response.context["enrolment"].secret)


@pytest.mark.parametrize("page", [INDEX, USERS, f"{USERS}add/", "/admin/password_change/"])
def test_required_mfa_sends_staff_without_it_to_enrol_from_every_page(client, newcomer, page):
    response = client.get(page)

    assert response.status_code == 302
    assert response["Location"] == ENROL


def test_required_mfa_sends_the_login_page_to_enrolment_too(client, newcomer):
    assert client.get(LOGIN)["Location"] == ENROL


def test_staff_waiting_to_enrol_can_still_log_out(client, newcomer):
    response = client.post(LOGOUT)

    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_enrolment_page_shows_a_qr_code_and_the_key_under_the_strict_csp(client, newcomer):
    response = client.get(ENROL)

    assert response.status_code == 200
    html = response.content.decode()
    secret = _app_of(response).secret
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert '<svg width="' in html
    assert f'<code id="mfa-secret">{secret}</code>' in html
    assert TotpDevice.objects.get(user=newcomer).confirmed is False
    # Nothing the policy (script-src 'self', style-src 'self') would block.
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == []
    assert re.findall(r"\sstyle=", html) == []
    assert "<style" not in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_enrolment_with_the_right_code_turns_totp_on_and_opens_the_admin(client, newcomer):
    # given
    app = _app_of(client.get(ENROL))

    # when
    response = client.post(ENROL, {"code": app.fresh_code()})

    # then: TOTP on, the ten recovery codes shown once (never cached), audited, the session
    # verified
    assert response.status_code == 200
    codes = response.context["recovery_codes"]
    assert len(set(codes)) == 10
    assert all(code in response.content.decode() for code in codes)
    assert response["Cache-Control"].startswith("max-age=0")
    assert INDEX in response.content.decode()
    assert TotpDevice.objects.get(user=newcomer).confirmed is True
    assert AuditLog.objects.filter(action="mfa_enabled", user=newcomer, status="success").exists()
    assert client.get(USERS).status_code == 200
    # and the next login needs a code
    client.logout()
    assert _login(client, newcomer).status_code == 200
    assert _login(client, newcomer, app.fresh_code()).status_code == 302


def test_a_wrong_enrolment_code_keeps_the_scanned_secret(client, newcomer):
    app = _app_of(client.get(ENROL))

    wrong = client.post(ENROL, {"code": app.wrong_code()})
    right = client.post(ENROL, {"code": app.fresh_code()})

    assert wrong.status_code == 200
    assert wrong.context["form"].errors["code"] == ["The code is wrong, expired or already used."]
    assert wrong.context["enrolment"] is None  # no new secret: the app already has this one
    assert "start over with a new QR code" in wrong.content.decode()
    assert AuditLog.objects.filter(action="mfa_failed", user=newcomer).count() == 1
    assert len(right.context["recovery_codes"]) == 10


def test_enrolment_without_a_pending_secret_starts_over(client, newcomer):
    response = client.post(ENROL, {"code": "123456"})

    assert response.status_code == 302
    assert response["Location"] == ENROL


@pytest.mark.usefixtures("required")
def test_staff_with_totp_are_sent_from_enrolment_to_the_admin(client, boss):
    assert _login(client, boss, boss.app.fresh_code()).status_code == 302

    response = client.get(ENROL)

    assert response.status_code == 302
    assert response["Location"] == INDEX


@pytest.mark.parametrize("staff", [False, None])
def test_enrolment_is_for_staff_only(client, staff):
    if staff is not None:
        client.force_login(UserFactory(is_staff=staff))

    response = client.get(ENROL)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={ENROL}"
    assert not TotpDevice.objects.exists()
