import uuid

import pytest

from authsvc.middleware import request_id_from

pytestmark = pytest.mark.django_db


def test_every_response_has_a_fresh_uuid_request_id(api):
    first = api.get("/healthz")["X-Request-ID"]
    second = api.get("/healthz")["X-Request-ID"]

    assert uuid.UUID(first) and uuid.UUID(second)
    assert first != second


def test_a_sane_incoming_request_id_is_kept_in_header_and_error_body(api):
    response = api.get("/api/v1/auth/me", HTTP_X_REQUEST_ID="edge-42.abc_DEF")

    assert response["X-Request-ID"] == "edge-42.abc_DEF"
    assert response.json()["request_id"] == "edge-42.abc_DEF"


@pytest.mark.parametrize(
    "incoming",
    ["", "has space", "semi;colon", "a" * 129, "ünï", "<script>", "new\nline", "a/b"],
)
def test_a_malformed_incoming_request_id_is_replaced(incoming):
    assert uuid.UUID(request_id_from(incoming))


def test_longest_sane_request_id_is_kept():
    assert request_id_from("a" * 128) == "a" * 128
