"""The token lifecycle endpoints are documented with their success and error responses."""

import pytest

pytestmark = pytest.mark.django_db

EXPECTED = {
    ("/api/v1/auth/token/refresh", "post"): {"200", "400", "401", "413", "415", "429", "503"},
    ("/api/v1/auth/logout", "post"): {"204", "400", "401", "403", "413", "415"},
    ("/api/v1/auth/logout-all", "post"): {"204", "401"},
    ("/api/v1/auth/sessions", "get"): {"200", "401"},
    ("/api/v1/auth/sessions/{session_id}", "delete"): {"204", "401", "404"},
    ("/api/v1/auth/password/change", "post"): {"204", "400", "401", "413", "415", "429"},
    ("/.well-known/jwks.json", "get"): {"200"},
}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    return response.json()


@pytest.mark.parametrize(("path", "method"), list(EXPECTED))
def test_endpoint_documents_its_responses_with_problem_examples(schema, path, method):
    operation = schema["paths"][path][method]

    assert set(operation["responses"]) == EXPECTED[(path, method)]
    for code, response in operation["responses"].items():
        if code.startswith(("4", "5")):
            problem = response["content"]["application/problem+json"]
            assert problem["schema"]["$ref"].endswith("/Problem")
            assert problem["examples"]


def test_refresh_documents_that_tokens_are_not_required_in_cookie_mode(schema):
    request = schema["components"]["schemas"]["TokenRefreshRequestRequest"]

    assert "required" not in request
