"""Every kind of token the service must refuse, on both sides: /me (access) and refresh."""

import json
import time
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.utils import timezone

from accounts.models import LoginSession
from accounts.tokens.codec import TokenType, token_encode
from accounts.tokens.keys import jwk_thumbprint, key_ring
from tests.factories import UserFactory
from tests.problem import assert_problem
from tests.tokens import (
    b64,
    bearer,
    claims_of,
    forge,
    hs256_with_public_key_as_secret,
    issue_pair,
    now,
    unsigned,
)

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me"
REFRESH = "/api/v1/auth/token/refresh"


@pytest.fixture(scope="module")
def other_ec_key():
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=3072)


def _signed_with_header(token: str, header: dict) -> str:
    """Signed by our real key, with a header PyJWT itself would refuse to produce."""
    signing_input = (
        f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims_of(token)).encode())}"
    )
    algorithm = jwt.algorithms.ECAlgorithm(jwt.algorithms.ECAlgorithm.SHA256)
    return f"{signing_input}.{b64(algorithm.sign(signing_input.encode(), key_ring().private_key))}"


def _refused_variant(kind: str, token: str, other_ec_key, rsa_key) -> str:
    kid = key_ring().signing_kid
    variants = {
        "alg_none": lambda: unsigned(token),
        "alg_hs256_public_key_as_secret": lambda: hs256_with_public_key_as_secret(token),
        "alg_rs256_with_our_kid": lambda: forge(
            token, key=rsa_key, algorithm="RS256", headers={"kid": kid}
        ),
        "unknown_kid": lambda: forge(token, headers={"kid": "not-our-key"}),
        "no_kid": lambda: forge(token, headers={"kid": None}),
        "non_string_kid": lambda: _signed_with_header(token, {"alg": "ES256", "kid": 7}),
        "bad_signature": lambda: forge(token, key=other_ec_key),
        "wrong_iss": lambda: forge(token, iss="https://evil.example"),
        "no_iss": lambda: forge(token, iss=None),
        "wrong_aud": lambda: forge(token, aud="another-service"),
        "no_aud": lambda: forge(token, aud=None),
        "expired_beyond_leeway": lambda: forge(token, iat=now() - 3600, exp=now() - 60),
        "no_exp": lambda: forge(token, exp=None),
        "no_sid": lambda: forge(token, sid=None),
        "no_jti": lambda: forge(token, jti=None),
        "no_sub": lambda: forge(token, sub=None),
        "malformed_sub": lambda: forge(token, sub="admin"),
        "no_token_type": lambda: forge(token, token_type=None),
        "truncated": lambda: token[: len(token) // 2],
    }
    return variants[kind]()


VARIANTS = [
    "alg_none",
    "alg_hs256_public_key_as_secret",
    "alg_rs256_with_our_kid",
    "unknown_kid",
    "no_kid",
    "non_string_kid",
    "bad_signature",
    "wrong_iss",
    "no_iss",
    "wrong_aud",
    "no_aud",
    "expired_beyond_leeway",
    "no_exp",
    "no_sid",
    "no_jti",
    "no_sub",
    "malformed_sub",
    "no_token_type",
    "truncated",
]


@pytest.mark.parametrize("kind", VARIANTS)
def test_me_refuses_the_access_token_variant(api, kind, other_ec_key, rsa_key):
    access = issue_pair(UserFactory())["access"]
    assert api.get(ME, **bearer(access)).status_code == 200  # the original is fine

    bad = _refused_variant(kind, access, other_ec_key, rsa_key)

    assert_problem(api.get(ME, **bearer(bad)), 401, "token_invalid")


@pytest.mark.parametrize("kind", VARIANTS)
def test_refresh_refuses_the_refresh_token_variant(api, kind, other_ec_key, rsa_key):
    refresh = issue_pair(UserFactory())["refresh"]

    bad = _refused_variant(kind, refresh, other_ec_key, rsa_key)

    assert_problem(api.post(REFRESH, {"refresh": bad}, format="json"), 401, "token_invalid")


def test_refresh_token_presented_as_access_is_refused(api):
    refresh = issue_pair(UserFactory())["refresh"]

    assert_problem(api.get(ME, **bearer(refresh)), 401, "token_invalid")


def test_access_token_presented_as_refresh_is_refused(api):
    access = issue_pair(UserFactory())["access"]

    response = api.post(REFRESH, {"refresh": access}, format="json")

    assert_problem(response, 401, "token_invalid")


def test_token_expired_within_the_leeway_is_accepted(api, settings):
    settings.AUTH_JWT_LEEWAY_SECONDS = 10
    access = issue_pair(UserFactory())["access"]

    just_expired = forge(access, iat=now() - 1800, exp=now() - 3)

    assert api.get(ME, **bearer(just_expired)).status_code == 200


def test_issued_tokens_carry_kid_and_every_claim():
    access = issue_pair(UserFactory())["access"]

    header = jwt.get_unverified_header(access)
    claims = claims_of(access)

    assert header["kid"] == key_ring().signing_kid
    assert header["alg"] == "ES256"
    assert {"iss", "aud", "sub", "iat", "exp", "jti", "sid", "token_type"} <= set(claims)
    assert claims["exp"] - claims["iat"] == 1800
    assert claims["iss"] == "authsvc"
    assert claims["aud"] == "authsvc"


def test_rsa_signing_key_signs_rs256(api, settings, rsa_key):
    settings.AUTH_JWT_PRIVATE_KEY = rsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()

    access = issue_pair(UserFactory())["access"]

    assert jwt.get_unverified_header(access)["alg"] == "RS256"
    assert api.get(ME, **bearer(access)).status_code == 200
    assert api.get("/.well-known/jwks.json").json()["keys"][0]["kty"] == "RSA"


def test_token_signed_by_a_previous_key_verifies_while_that_key_is_listed(
    api, settings, other_ec_key
):
    # given a token signed before a key rotation by the old key
    old_public_pem = (
        other_ec_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    old_kid = jwk_thumbprint(
        jwt.algorithms.ECAlgorithm.to_jwk(other_ec_key.public_key(), as_dict=True)
    )
    access = issue_pair(UserFactory())["access"]
    old_token = forge(access, key=other_ec_key, headers={"kid": old_kid})
    assert_problem(api.get(ME, **bearer(old_token)), 401, "token_invalid")

    # when the old public key is kept as a previous key
    settings.AUTH_JWT_PREVIOUS_PUBLIC_KEYS = [old_public_pem]

    # then the token verifies and the JWKS publishes both keys, current first
    assert api.get(ME, **bearer(old_token)).status_code == 200
    kids = [key["kid"] for key in api.get("/.well-known/jwks.json").json()["keys"]]
    assert kids == [key_ring().signing_kid, old_kid]


def test_jwk_thumbprint_matches_rfc_7638_example():
    # RFC 7638 §3.1
    jwk = {
        "kty": "RSA",
        "n": (
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1"
            "L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4"
            "QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbO"
            "pbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csF"
            "Cur-kEgU8awapJzKnqDKgw"
        ),
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }

    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_a_token_re_signed_unchanged_by_the_harness_is_accepted(api):
    # the refusals above are caused by the one change each makes, not by the re-signing
    access = issue_pair(UserFactory())["access"]

    assert api.get(ME, **bearer(forge(access))).status_code == 200


def test_a_token_verified_once_is_still_refused_once_it_expires(api, settings):
    # given: no leeway, and an access token of a few seconds, used once (so the worker
    # remembers its signature as verified); iat is whole seconds, so up to one is lost
    settings.AUTH_JWT_LEEWAY_SECONDS = 0
    user = UserFactory()
    now = timezone.now()
    session = LoginSession.objects.create(
        user=user, expires_at=now + timedelta(seconds=30), current_jti="j" * 32
    )
    access = token_encode(
        user_id=user.pk,
        session_id=session.pk,
        token_type=TokenType.ACCESS,
        jti="a" * 32,
        issued_at=now,
        lifetime_seconds=3,
    )
    assert api.get("/api/v1/auth/me", **bearer(access)).status_code == 200

    # when: it is used again once its exp has passed
    time.sleep(max(0.0, claims_of(access)["exp"] - time.time() + 0.2))
    response = api.get("/api/v1/auth/me", **bearer(access))

    # then: refused like any expired token
    assert_problem(response, 401, "token_invalid")
