"""The second-factor endpoints' OpenAPI: every status and error code each can answer,
documented with an example, and the mfa_required problem with its two extra members."""

import pytest

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1/auth"
BODY = {"400": {"validation_error", "parse_error"}, "413": {"payload_too_large"}}
BODY_415 = {"415": {"unsupported_media_type"}}
BEARER = {"401": {"not_authenticated", "token_invalid"}}
LOCKED_OR_LIMITED = {"423": {"account_locked"}, "429": {"rate_limited"}}
UNAVAILABLE = {"503": {"service_unavailable"}}
CODE_CHECK = {
    **BODY,
    **BODY_415,
    "400": {"validation_error", "parse_error", "mfa_code_invalid"},
    **BEARER,
    "409": {"conflict"},
    **LOCKED_OR_LIMITED,
    **UNAVAILABLE,
}

# Per operation: each status with the error codes it can carry (none for the success).
CONTRACT = {
    ("get", "/mfa"): {"200": set(), **BEARER},
    ("post", "/mfa/totp"): {
        "200": set(),
        **BODY,
        **BODY_415,
        **BEARER,
        "409": {"conflict"},
        "429": {"rate_limited"},
        **UNAVAILABLE,
    },
    ("post", "/mfa/totp/confirm"): {"200": set(), **CODE_CHECK},
    ("delete", "/mfa/totp"): {"204": set(), **CODE_CHECK},
    ("post", "/mfa/recovery-codes"): {"200": set(), **CODE_CHECK},
    ("post", "/login/mfa"): {
        "200": set(),
        **BODY,
        **BODY_415,
        "401": {"mfa_code_invalid", "token_invalid"},
        **LOCKED_OR_LIMITED,
        **UNAVAILABLE,
    },
}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    return response.json()


def _problem_examples(response) -> list[dict]:
    examples = response["content"]["application/problem+json"]["examples"].values()
    return [example["value"] for example in examples]


@pytest.mark.parametrize(("method", "path"), CONTRACT)
def test_every_status_and_error_code_is_documented_with_an_example(schema, method, path):
    responses = schema["paths"][PREFIX + path][method]["responses"]

    assert set(responses) == set(CONTRACT[method, path])
    for status, codes in CONTRACT[method, path].items():
        if codes:
            examples = _problem_examples(responses[status])
            assert {example["code"] for example in examples} == codes, status
            assert all(example["status"] == int(status) for example in examples)


def test_login_documents_mfa_required_with_its_token_and_methods(schema):
    responses = schema["paths"][PREFIX + "/login"]["post"]["responses"]

    (example,) = [e for e in _problem_examples(responses["401"]) if e["code"] == "mfa_required"]

    assert isinstance(example["mfa_token"], str)
    assert example["methods"] == ["totp", "recovery_code"]


def test_the_session_list_documents_amr(schema):
    session = schema["components"]["schemas"]["LoginSession"]

    assert session["properties"]["amr"]["type"] == "array"
