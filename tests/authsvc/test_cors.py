"""CORS: nothing allowed by default; listed origins may call /api/ only, without cookies."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

APP = "https://app.example.com"
EVIL = "https://evil.example.net"


@pytest.fixture
def app_origin_allowed(settings):
    settings.CORS_ALLOWED_ORIGINS = [APP]


def _preflight(api, origin, path="/api/v1/auth/login"):
    return api.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type, authorization, x-request-id",
    )


def test_no_origin_is_allowed_by_default(api):
    response = _preflight(api, APP)

    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.usefixtures("app_origin_allowed")
def test_preflight_from_an_allowed_origin_is_answered(api):
    response = _preflight(api, APP)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == APP
    assert "POST" in response["Access-Control-Allow-Methods"]
    allowed_headers = response["Access-Control-Allow-Headers"]
    assert {"authorization", "content-type", "x-request-id"} <= set(allowed_headers.split(", "))
    assert "Access-Control-Allow-Credentials" not in response  # bearer tokens, not cookies


@pytest.mark.usefixtures("app_origin_allowed")
def test_login_from_an_allowed_origin_exposes_request_id_and_retry_after(api):
    user = UserFactory()

    response = api.post(
        "/api/v1/auth/login",
        {"login": user.username, "password": user.raw_password},
        format="json",
        HTTP_ORIGIN=APP,
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == APP
    assert response["Access-Control-Expose-Headers"] == "X-Request-ID, Retry-After"


@pytest.mark.usefixtures("app_origin_allowed")
def test_error_responses_carry_cors_headers_too(api):
    # Without them a browser client could not read the problem document.
    response = api.get("/api/v1/auth/me", HTTP_ORIGIN=APP)

    assert response.status_code == 401
    assert response["Access-Control-Allow-Origin"] == APP


@pytest.mark.usefixtures("app_origin_allowed")
def test_an_unlisted_origin_is_refused_on_preflight_and_request(api):
    preflight = _preflight(api, EVIL)
    request = api.get("/api/v1/auth/me", HTTP_ORIGIN=EVIL)

    assert "Access-Control-Allow-Origin" not in preflight
    assert "Access-Control-Allow-Origin" not in request


@pytest.mark.usefixtures("app_origin_allowed")
@pytest.mark.parametrize("path", ["/admin/login/", "/docs", "/healthz"])
def test_paths_outside_the_api_never_get_cors_headers(api, path):
    response = api.get(path, HTTP_ORIGIN=APP)

    assert "Access-Control-Allow-Origin" not in response
