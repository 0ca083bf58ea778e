"""OpenAPI tags: declared in the order a client developer meets them, each described, each used."""

import pytest
from drf_spectacular.generators import SchemaGenerator

EXPECTED_ORDER = ["auth", "tokens", "mfa", "passkeys", "operations"]


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_tags_are_declared_in_reading_order_with_a_description(schema):
    assert [tag["name"] for tag in schema["tags"]] == EXPECTED_ORDER
    for tag in schema["tags"]:
        assert len(tag["description"]) > 20, tag


def test_every_operation_has_exactly_one_declared_tag(schema):
    declared = set(EXPECTED_ORDER)
    used = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert len(operation["tags"]) == 1, (method, path, operation["tags"])
            assert operation["tags"][0] in declared, (method, path, operation["tags"])
            used.update(operation["tags"])
    assert used == declared


@pytest.mark.parametrize(
    ("method", "path", "tag"),
    [
        ("post", "/api/v1/auth/login", "auth"),
        ("post", "/api/v1/auth/password/change", "auth"),
        ("post", "/api/v1/auth/token/refresh", "tokens"),
        ("get", "/.well-known/jwks.json", "tokens"),
        ("post", "/api/v1/auth/passkeys/login/verify", "passkeys"),
        ("get", "/readyz", "operations"),
    ],
)
def test_operations_sit_under_the_tag_a_reader_looks_in(schema, method, path, tag):
    assert schema["paths"][path][method]["tags"] == [tag]
