"""The admin's middleware (sessions, CSRF, user, OTP, messages, axes) runs under /admin/ only."""

import pytest
from django.core.checks import run_checks
from django.test import Client

from tests.factories import UserFactory
from tests.problem import assert_problem

pytestmark = pytest.mark.django_db

ADMIN_CHECKS = {"authsvc.E001", "authsvc.E002", "authsvc.E003"}


def _check_ids() -> set[str]:
    return {message.id for message in run_checks() if message.id in ADMIN_CHECKS}


def test_api_paths_get_no_session_csrf_or_cookie_vary(api, admin_client):
    # An admin's session cookie travels with every request from its browser; the API
    # neither reads it nor answers with cookies.
    api.cookies = admin_client.cookies

    response = api.get("/api/v1/auth/me")

    assert_problem(response, 401, "not_authenticated")
    assert not hasattr(response.wsgi_request, "session")
    assert not hasattr(response.wsgi_request, "_messages")
    assert response.cookies == {}
    assert "Cookie" not in response.get("Vary", "")


def test_admin_pages_still_get_sessions_csrf_and_messages(admin_client):
    page = admin_client.get("/admin/accounts/user/")

    assert page.status_code == 200
    assert page.wsgi_request.session.session_key == admin_client.session.session_key
    assert hasattr(page.wsgi_request, "_messages")
    assert page.wsgi_request.user.is_staff
    assert page.wsgi_request.user.is_verified() is False  # OTPMiddleware wrapped it
    assert "Cookie" in page["Vary"]


def test_admin_posts_without_a_csrf_token_are_refused():
    browser = Client(enforce_csrf_checks=True)
    UserFactory(username="boss", is_staff=True, is_superuser=True)

    refused = browser.post("/admin/login/", {"username": "boss", "password": "x"})
    form = browser.get("/admin/login/")

    assert refused.status_code == 403
    assert "csrftoken" in form.cookies


def test_the_admin_checks_pass_as_configured():
    assert _check_ids() == set()


def test_a_missing_admin_middleware_fails_the_checks(settings):
    settings.ADMIN_MIDDLEWARE = [
        path for path in settings.ADMIN_MIDDLEWARE if not path.endswith("MessageMiddleware")
    ]

    assert _check_ids() == {"authsvc.E002"}


def test_the_admin_outside_the_prefixes_fails_the_checks(settings):
    settings.ADMIN_PATH_PREFIXES = ("/backoffice/",)

    assert _check_ids() == {"authsvc.E003"}


def test_admin_middleware_without_the_wrapper_fails_the_checks(settings):
    settings.MIDDLEWARE = [
        path for path in settings.MIDDLEWARE if path != "authsvc.middleware.AdminOnlyMiddleware"
    ]

    assert _check_ids() == {"authsvc.E001"}
