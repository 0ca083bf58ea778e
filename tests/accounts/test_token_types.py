"""Typed tokens: access tokens are RFC 9068 ``at+jwt`` for the configured audiences,
refresh tokens are for this service alone (``<issuer>#refresh``), and neither passes as the
other, here or at a service that follows docs/tokens.md's recipe."""

import os
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from accounts.tokens.codec import ServiceAccessToken, ServiceRefreshToken, TokenType
from accounts.tokens.keys import jwk_thumbprint, key_ring
from tests.accounts.test_token_layer import _mint, _refused
from tests.tokens import claims_of, forge

ROOT = Path(__file__).resolve().parents[2]


def _recipe(token: str, settings) -> dict:
    """What another service does (docs/tokens.md): typ, kid, algorithms, iss, aud, exp."""
    if jwt.get_unverified_header(token).get("typ") != "at+jwt":
        raise jwt.InvalidTokenError("not an access token")
    key = key_ring().verification[jwt.get_unverified_header(token)["kid"]]
    return jwt.decode(
        token,
        key.public_key,
        algorithms=["ES256", "RS256"],
        audience="authsvc",
        issuer=settings.AUTH_JWT_ISSUER,
    )


def test_access_tokens_are_at_jwt_for_the_configured_audience():
    token = _mint(TokenType.ACCESS)

    assert jwt.get_unverified_header(token)["typ"] == "at+jwt"
    assert claims_of(token)["aud"] == "authsvc"


def test_refresh_tokens_have_their_own_audience(settings):
    token = _mint(TokenType.REFRESH)

    assert jwt.get_unverified_header(token)["typ"] == "JWT"
    assert claims_of(token)["aud"] == f"{settings.AUTH_JWT_ISSUER}#refresh"


def test_the_documented_recipe_accepts_an_access_token_and_refuses_a_refresh_token(settings):
    assert _recipe(_mint(TokenType.ACCESS), settings)["token_type"] == "access"
    refresh = _mint(TokenType.REFRESH)
    with pytest.raises(jwt.InvalidTokenError):
        _recipe(refresh, settings)
    # even one that skipped the typ check: the audience is not its own
    with pytest.raises(jwt.InvalidAudienceError):
        _recipe(forge(refresh, headers={"typ": "at+jwt"}), settings)


@pytest.mark.parametrize("typ", ["JWT", None, "AT+JWT-ish"])
def test_an_access_token_without_the_at_jwt_type_is_refused(typ):
    _refused(forge(_mint(TokenType.ACCESS), headers={"typ": typ}))


def test_a_refresh_token_typed_as_an_access_token_is_refused():
    _refused(forge(_mint(TokenType.REFRESH), headers={"typ": "at+jwt"}), TokenType.REFRESH)


def test_a_refresh_token_for_the_access_audience_is_refused(settings):
    refresh = _mint(TokenType.REFRESH)

    _refused(forge(refresh, aud="authsvc"), TokenType.REFRESH)
    assert ServiceRefreshToken(forge(refresh))  # the re-signing alone changes nothing


def test_an_access_token_for_the_refresh_audience_is_refused(settings):
    _refused(forge(_mint(TokenType.ACCESS), aud=f"{settings.AUTH_JWT_ISSUER}#refresh"))


def test_several_audiences_are_written_as_a_list_and_any_one_of_them_verifies(settings):
    settings.AUTH_JWT_AUDIENCE = ["authsvc", "billing"]
    token = _mint(TokenType.ACCESS)

    assert claims_of(token)["aud"] == ["authsvc", "billing"]
    assert ServiceAccessToken(token)
    assert ServiceAccessToken(forge(token, aud="billing"))
    _refused(forge(token, aud="reports"))


def _settings_value(env: dict[str, str]) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AUTH_"))}
    result = subprocess.run(
        [sys.executable, "-c", "from config import settings; print(settings.AUTH_JWT_AUDIENCE)"],
        cwd=ROOT, env={**clean, "DJANGO_DEBUG": "1", **env},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    return result.stdout + result.stderr


def test_the_audience_setting_is_a_comma_separated_list():
    assert "['authsvc']" in _settings_value({})
    assert "['authsvc', 'billing']" in _settings_value({"AUTH_JWT_AUDIENCE": "authsvc, billing"})
    assert "AUTH_JWT_AUDIENCE needs at least one audience" in _settings_value(
        {"AUTH_JWT_AUDIENCE": " , "}
    )


@pytest.mark.parametrize("header", ["jwk", "jku", "x5u"])
def test_a_token_naming_its_own_key_is_refused(header):
    # an attacker's key, offered in the token itself (by value or by URL) beside its kid
    attacker = ec.generate_private_key(ec.SECP256R1())
    public_jwk = jwt.algorithms.ECAlgorithm.to_jwk(attacker.public_key(), as_dict=True)
    offered = {"jwk": public_jwk, "jku": "https://evil.example/jwks.json"}.get(
        header, "https://evil.example/cert.pem"
    )
    token = forge(
        _mint(TokenType.ACCESS),
        key=attacker,
        headers={"kid": jwk_thumbprint(public_jwk), header: offered},
    )

    _refused(token)
