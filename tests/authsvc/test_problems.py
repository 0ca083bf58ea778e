"""The error contract, end to end: every failure a client can cause is problem+json."""

import pytest
from django.db import OperationalError
from django.urls import path
from rest_framework.views import APIView

from authsvc import exceptions as errors
from authsvc.problems import problem_body, to_service_error
from tests.problem import assert_problem

pytestmark = pytest.mark.django_db


class _Boom(APIView):
    authentication_classes = ()
    permission_classes = ()

    def get(self, request):
        raise RuntimeError("secret internal detail")

    def post(self, request):
        raise OperationalError("connection refused")


urlpatterns = [path("boom", _Boom.as_view())]
handler500 = "authsvc.views.server_error"


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (errors.ValidationFailed, 400, "validation_error"),
        (errors.ParseError, 400, "parse_error"),
        (errors.InvalidCredentials, 401, "invalid_credentials"),
        (errors.NotAuthenticated, 401, "not_authenticated"),
        (errors.TokenInvalid, 401, "token_invalid"),
        (errors.PermissionDenied, 403, "permission_denied"),
        (errors.NotFound, 404, "not_found"),
        (errors.MethodNotAllowed, 405, "method_not_allowed"),
        (errors.Conflict, 409, "conflict"),
        (errors.PayloadTooLarge, 413, "payload_too_large"),
        (errors.UnsupportedMediaType, 415, "unsupported_media_type"),
        (errors.AccountLocked, 423, "account_locked"),
        (errors.RateLimited, 429, "rate_limited"),
        (errors.ServiceUnavailable, 503, "service_unavailable"),
        (errors.ServiceError, 500, "internal_error"),
    ],
)
def test_each_error_class_renders_its_status_and_code(error, status, code):
    body = problem_body(error())

    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:authsvc:problem:{code}"
    assert body["title"] and body["detail"]
    assert "errors" not in body


def test_retry_after_errors_carry_the_header():
    assert errors.RateLimited(retry_after_seconds=42).headers == {"Retry-After": "42"}
    assert errors.AccountLocked(retry_after_seconds=0.2).headers == {"Retry-After": "1"}
    assert errors.ServiceUnavailable().headers == {}


def test_unknown_exceptions_are_not_translated():
    assert to_service_error(RuntimeError("x")) is None


def test_unknown_url_is_a_404_problem(api):
    assert_problem(api.get("/api/v1/nothing-here"), 404, "not_found")


def test_trailing_slash_is_not_redirected(api):
    assert_problem(api.post("/api/v1/auth/login/", {}, format="json"), 404, "not_found")


def test_wrong_method_is_a_405_problem_with_allow(api):
    response = api.get("/api/v1/auth/login")

    assert_problem(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


def test_malformed_json_is_a_parse_error(api):
    response = api.post("/api/v1/auth/login", b'{"login": ', content_type="application/json")

    assert_problem(response, 400, "parse_error")


def test_invalid_utf8_is_a_parse_error(api):
    response = api.post("/api/v1/auth/login", b'{"login": "\xff"}', content_type="application/json")

    assert_problem(response, 400, "parse_error")


def test_deeply_nested_json_is_a_parse_error(api):
    response = api.post("/api/v1/auth/login", b"[" * 50000, content_type="application/json")

    assert_problem(response, 400, "parse_error")


def test_nan_is_a_parse_error(api):
    response = api.post("/api/v1/auth/login", b'{"login": NaN}', content_type="application/json")

    assert_problem(response, 400, "parse_error")


def test_json_that_is_not_an_object_is_a_validation_error(api):
    response = api.post("/api/v1/auth/login", b"[1, 2]", content_type="application/json")

    body = assert_problem(response, 400, "validation_error")
    assert "non_field_errors" in body["errors"]


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
    ],
)
def test_wrong_content_type_is_415(api, content_type):
    response = api.post("/api/v1/auth/login", b"login=a&password=b", content_type=content_type)

    assert_problem(response, 415, "unsupported_media_type")


def test_oversized_body_is_413(api, settings):
    body = b'{"login": "' + b"a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + b'"}'

    response = api.post("/api/v1/auth/login", body, content_type="application/json")

    assert_problem(response, 413, "payload_too_large")


def test_html_accept_header_still_gets_json(api):
    response = api.get("/api/v1/auth/me", HTTP_ACCEPT="text/html")

    assert response["Content-Type"] in {"application/problem+json"}
    assert response.status_code in {401, 406}


def test_disallowed_host_is_a_400_problem(api):
    response = api.get("/healthz", HTTP_HOST="evil.example")

    assert_problem(response, 400, "validation_error")


@pytest.mark.urls("tests.authsvc.test_problems")
def test_uncaught_exception_is_a_500_problem_that_reveals_nothing(api, caplog):
    response = api.get("/boom")

    body = assert_problem(response, 500, "internal_error")
    assert "secret internal detail" not in response.content.decode()
    assert "RuntimeError" not in response.content.decode()
    assert body["detail"] == errors.ServiceError.default_detail
    assert [r.levelname for r in caplog.records if r.name == "django.request"] == ["ERROR"]


@pytest.mark.urls("tests.authsvc.test_problems")
def test_database_unavailable_is_a_503_with_retry_after(api):
    response = api.post("/boom", {}, format="json")

    assert_problem(response, 503, "service_unavailable")
    assert response["Retry-After"] == "5"
    assert "connection refused" not in response.content.decode()
