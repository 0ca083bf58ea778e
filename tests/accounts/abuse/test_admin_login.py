"""The admin's login page: the API login's per-client-IP rate limit and its audit trail."""

import pytest

from accounts.models import AuditLog
from tests.factories import UserFactory
from tests.problem import assert_problem

pytestmark = pytest.mark.django_db

URL = "/admin/login/"
WRONG = "Wrong-password-1"


@pytest.fixture(autouse=True)
def _lockout_out_of_the_way(settings):
    """These tests count requests per IP; the per-account lockout must not answer first."""
    settings.AXES_FAILURE_LIMIT = 100


def _post(client, username, password, **extra):
    return client.post(URL, {"username": username, "password": password}, **extra)


def test_sixth_admin_login_post_from_one_ip_is_429_with_retry_after(client):
    statuses = [_post(client, "boss", WRONG).status_code for _ in range(5)]

    response = _post(client, "boss", WRONG)

    assert statuses == [200] * 5  # the form again, with its error
    assert_problem(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 15 * 60


def test_the_limit_counts_posts_per_client_ip_not_page_views(client, settings):
    settings.AUTH_LOGIN_RATE = "2/15m"
    boss = UserFactory(username="boss", is_staff=True)
    for _ in range(5):
        assert client.get(URL).status_code == 200
    _post(client, "boss", WRONG, REMOTE_ADDR="10.0.0.1")
    _post(client, "boss", WRONG, REMOTE_ADDR="10.0.0.1")

    refused = _post(client, "boss", boss.raw_password, REMOTE_ADDR="10.0.0.1")
    other_ip = _post(client, "boss", boss.raw_password, REMOTE_ADDR="10.0.0.2")

    assert_problem(refused, 429, "rate_limited")
    assert other_ip.status_code == 302


def test_admin_and_api_logins_are_counted_in_separate_buckets(client, api, settings):
    settings.AUTH_LOGIN_RATE = "1/15m"
    _post(client, "boss", WRONG)

    api_login = api.post("/api/v1/auth/login", {"login": "boss", "password": WRONG}, format="json")

    assert api_login.status_code == 401


def test_successful_admin_login_is_audited_with_the_user(client):
    boss = UserFactory(username="boss", is_staff=True)

    response = _post(client, "BOSS", boss.raw_password, REMOTE_ADDR="10.0.0.9")

    assert response.status_code == 302
    [row] = AuditLog.objects.filter(action="login_succeeded")
    assert (row.user_id, row.status, row.ip_address) == (boss.pk, "success", "10.0.0.9")
    assert row.details == {"via": "admin"}


@pytest.mark.parametrize(
    ("username", "staff"), [("boss", True), ("nobody", True), ("plain", False)]
)
def test_failed_admin_login_is_audited_without_naming_an_account(client, username, staff):
    user = UserFactory(username="boss" if username == "nobody" else username, is_staff=staff)
    password = WRONG if username != "plain" else user.raw_password  # not staff: refused too

    response = _post(client, username, password)

    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    [row] = AuditLog.objects.all()
    assert (row.action, row.status, row.user_id) == ("login_failed", "failure", None)
    assert row.details == {"via": "admin"}


def test_admin_login_refused_by_the_lockout_is_audited_as_such(client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    boss = UserFactory(username="boss", is_staff=True)
    _post(client, "boss", WRONG)
    _post(client, "boss", WRONG)

    response = _post(client, "boss", boss.raw_password)

    assert_problem(response, 423, "account_locked")
    last = AuditLog.objects.filter(action="login_failed").order_by("-id").first()
    assert last.details == {"via": "admin", "reason": "account_locked"}


def test_viewing_the_login_page_records_nothing(client):
    assert client.get(URL).status_code == 200
    assert not AuditLog.objects.exists()
