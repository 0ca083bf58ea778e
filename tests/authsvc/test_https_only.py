"""With SECURE_SSL_REDIRECT on, API paths refuse plain HTTP; browser paths are redirected."""

import pytest

from tests.factories import UserFactory
from tests.problem import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def https_on(settings):
    settings.SECURE_SSL_REDIRECT = True


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/auth/login"),
        ("get", "/api/v1/auth/me"),
        ("get", "/api/v1/does-not-exist"),
        ("get", "/.well-known/jwks.json"),
    ],
)
def test_api_paths_over_plain_http_answer_403_https_required(api, https_on, method, path):
    response = getattr(api, method)(path, {"login": "x", "password": "y"}, format="json")

    body = assert_problem(response, 403, "https_required")
    assert "HTTPS" in body["detail"]
    assert "Location" not in response


def test_a_login_over_plain_http_never_reaches_the_password_check(api, https_on, caplog):
    user = UserFactory()

    response = api.post(
        "/api/v1/auth/login", {"login": user.username, "password": user.raw_password}, format="json"
    )

    assert_problem(response, 403, "https_required")
    assert not [r for r in caplog.records if r.name == "authsvc.audit"]


def test_api_paths_over_https_are_served(api, https_on):
    response = api.get("/.well-known/jwks.json", secure=True)

    assert response.status_code == 200


def test_browser_paths_are_still_redirected(client, https_on):
    response = client.get("/admin/login/")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/admin/login/"


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_plain_http(client, https_on, path):
    assert client.get(path).status_code == 200


def test_without_the_redirect_setting_plain_http_is_served(api, settings):
    settings.SECURE_SSL_REDIRECT = False

    assert api.get("/.well-known/jwks.json").status_code == 200
