"""GET /.well-known/jwks.json, and a verifier written as another service would write it."""

import jwt
import pytest

from tests.factories import UserFactory
from tests.servers import start_gunicorn
from tests.tokens import issue_pair

URL = "/.well-known/jwks.json"


@pytest.mark.django_db
def test_jwks_publishes_the_public_key_with_caching_headers(api):
    access = issue_pair(UserFactory())["access"]

    response = api.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=300"
    (key,) = response.json()["keys"]
    assert key["kid"] == jwt.get_unverified_header(access)["kid"]
    assert {key["kty"], key["crv"], key["alg"], key["use"]} == {"EC", "P-256", "ES256", "sig"}
    assert "d" not in key  # never the private part


@pytest.mark.django_db
def test_jwks_needs_no_authentication_even_with_a_bad_token(api):
    response = api.get(URL, HTTP_AUTHORIZATION="Bearer garbage")

    assert response.status_code == 200


@pytest.mark.django_db
def test_jwks_is_in_the_openapi_schema(api):
    schema = api.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    assert "200" in schema["paths"]["/.well-known/jwks.json"]["get"]["responses"]


# --- Another service's point of view: HTTP, the JWKS document and PyJWT, nothing of ours. ---


def verify_like_another_service(token: str, jwks_url: str) -> dict:
    """What a resource server does (docs/tokens.md): an access token's typ, the key by kid
    from the JWKS, then a strict decode for its own audience."""
    if jwt.get_unverified_header(token).get("typ") != "at+jwt":
        raise jwt.InvalidTokenError("not an access token (RFC 9068)")
    signing_key = jwt.PyJWKClient(jwks_url, cache_keys=True).get_signing_key_from_jwt(token)
    return jwt.decode(
        token,
        signing_key.key,
        algorithms=["ES256", "RS256"],
        audience="authsvc",
        issuer="authsvc",
        options={"require": ["exp", "iat", "sub", "iss", "aud"]},
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_setup, django_db_blocker):
    server = start_gunicorn(tmp_path_factory.mktemp("jwks"), workers=1)
    yield server
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_another_service_verifies_an_access_token_with_only_the_jwks_and_pyjwt(server):
    # given a user who logged in over HTTP
    user = UserFactory()
    with server.client() as http:
        login = http.post(
            "/api/v1/auth/login", json={"login": user.username, "password": user.raw_password}
        )
    access = login.json()["access"]

    # when another service verifies the access token from the published keys alone
    claims = verify_like_another_service(access, f"{server.base_url}/.well-known/jwks.json")

    # then it trusts who the token is for
    assert claims["sub"] == str(user.id)
    assert claims["token_type"] == "access"
    with pytest.raises(jwt.InvalidTokenError):
        verify_like_another_service(access[:-6] + "AAAAAA", f"{server.base_url}{URL}")
    with pytest.raises(jwt.InvalidTokenError):
        verify_like_another_service(login.json()["refresh"], f"{server.base_url}{URL}")
