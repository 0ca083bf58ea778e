"""The recovery endpoints' OpenAPI: every error each can answer, with examples that are
what the endpoint really answers."""

import pytest

from accounts.models import TokenPurpose
from accounts.recovery.services import token_issue
from accounts.recovery.views import CHANGE_ACCEPTED, RESEND_ACCEPTED, RESET_ACCEPTED
from tests.factories import UserFactory
from tests.problem import assert_problem
from tests.tokens import bearer, issue_pair

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1/auth"
BODY = {"400": {"parse_error"}, "413": {"payload_too_large"}, "415": {"unsupported_media_type"}}
RATE = {"429": {"rate_limited"}, "503": {"service_unavailable"}}
BEARER = {"401": {"not_authenticated", "token_invalid"}}

# Per endpoint: the success status, then each error status with the codes it can carry.
CONTRACT = {
    "/password/reset": {
        "202": set(),
        **BODY,
        "400": {"validation_error", "parse_error"},
        **RATE,
    },
    "/password/reset/confirm": {
        "204": set(),
        **BODY,
        "400": {"validation_error", "token_invalid", "parse_error"},
    },
    "/email/verify": {
        "204": set(),
        **BODY,
        "400": {"validation_error", "token_invalid", "parse_error"},
    },
    "/email/verify/resend": {"202": set(), **BEARER, **RATE},
    "/email/change": {
        "202": set(),
        **BODY,
        "400": {"validation_error", "parse_error"},
        **BEARER,
        "409": {"conflict"},
        **RATE,
    },
    "/email/change/confirm": {
        "204": set(),
        **BODY,
        "400": {"validation_error", "token_invalid", "parse_error"},
        "409": {"conflict"},
    },
}
ACCEPTED = {
    "/password/reset": RESET_ACCEPTED,
    "/email/verify/resend": RESEND_ACCEPTED,
    "/email/change": CHANGE_ACCEPTED,
}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    return response.json()


def _operation(schema, path):
    return schema["paths"][PREFIX + path]["post"]


def _example_values(response, media_type):
    return [example["value"] for example in response["content"][media_type]["examples"].values()]


@pytest.mark.parametrize("path", CONTRACT)
def test_every_status_and_error_code_is_documented_with_an_example(schema, path):
    operation = _operation(schema, path)
    responses = operation["responses"]

    assert set(responses) == set(CONTRACT[path])
    for status, codes in CONTRACT[path].items():
        if not codes:
            continue
        problem = responses[status]["content"]["application/problem+json"]
        assert problem["schema"]["$ref"].endswith("/Problem")
        examples = _example_values(responses[status], "application/problem+json")
        assert {example["code"] for example in examples} == codes, status
        assert all(example["status"] == int(status) for example in examples)


@pytest.mark.parametrize("path", CONTRACT)
def test_the_success_is_documented_with_its_body(schema, path):
    operation = _operation(schema, path)
    success = next(status for status, codes in CONTRACT[path].items() if not codes)
    response = operation["responses"][success]

    if success == "204":
        assert "content" not in response
        assert response["description"]
    else:
        assert _example_values(response, "application/json") == [{"detail": ACCEPTED[path]}]


@pytest.mark.parametrize(
    ("path", "authenticated"),
    [(path, path in {"/email/verify/resend", "/email/change"}) for path in CONTRACT],
)
def test_only_the_resend_and_the_change_request_need_a_bearer_token(schema, path, authenticated):
    operation = _operation(schema, path)

    assert (operation.get("security") == [{"bearerAuth": []}]) is authenticated


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/password/reset", {"email": "not-an-address"}, "email"),
        ("/email/verify", {}, "token"),
        ("/email/change/confirm", {}, "token"),
    ],
)
def test_the_validation_error_examples_are_what_the_endpoint_answers(
    schema, api, settings, path, payload, field
):
    # given: the documented 400 validation_error example
    settings.AUTH_PASSWORD_RESET_RATE = "1000/h"
    responses = _operation(schema, path)["responses"]
    (documented,) = [
        example
        for example in _example_values(responses["400"], "application/problem+json")
        if example["code"] == "validation_error"
    ]

    # when: the endpoint is sent a body with that field wrong
    body = assert_problem(api.post(PREFIX + path, payload, format="json"), 400, "validation_error")

    # then
    assert list(body["errors"]) == [field]
    assert body["errors"] == documented["errors"]


def test_the_new_password_example_is_what_the_reset_confirm_answers(schema, api):
    # given: a usable token, and a password that breaks only the rule the example shows
    responses = _operation(schema, "/password/reset/confirm")["responses"]
    (documented,) = [
        example
        for example in _example_values(responses["400"], "application/problem+json")
        if example["code"] == "validation_error"
    ]
    alice = UserFactory(username="alice", email="alice@example.com")
    token = token_issue(user=alice, purpose=TokenPurpose.PASSWORD_RESET, ttl_seconds=600)
    payload = {"token": token, "new_password": "Fresh-Lantern-orbit-quay"}

    # when
    body = assert_problem(
        api.post(PREFIX + "/password/reset/confirm", payload, format="json"),
        400,
        "validation_error",
    )

    # then
    assert body["errors"] == documented["errors"]


def test_the_email_change_examples_are_what_the_endpoint_answers(schema, api, settings):
    # given
    settings.AUTH_LOGIN_RATE = "1000/h"
    responses = _operation(schema, "/email/change")["responses"]
    (wrong_password,) = [
        example
        for example in _example_values(responses["400"], "application/problem+json")
        if example["code"] == "validation_error"
    ]
    (conflict,) = _example_values(responses["409"], "application/problem+json")
    alice = UserFactory(username="alice", email="alice@example.com")
    UserFactory(username="bob", email="bob@example.com")
    access = issue_pair(alice)["access"]

    # when
    def change(new_email, password):
        payload = {"new_email": new_email, "current_password": password}
        return api.post(PREFIX + "/email/change", payload, format="json", **bearer(access))

    refused = assert_problem(change("a@new.example", "Wrong-password-1"), 400, "validation_error")
    taken = assert_problem(change("bob@example.com", alice.raw_password), 409, "conflict")

    # then
    assert refused["errors"] == wrong_password["errors"]
    assert (taken["detail"], taken["errors"]) == (conflict["detail"], conflict["errors"])
