"""The simplejwt token layer itself (accounts/tokens/codec.py), below the HTTP API.

test_token_verification.py proves the same refusals end to end through /me and refresh;
these pin them on the token classes and the key-ring backend directly.
"""

import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.tokens import codec
from accounts.tokens.authentication import BearerTokenAuthentication, request_claims
from accounts.tokens.codec import (
    REQUIRED_CLAIMS,
    KeyRingBackend,
    ServiceAccessToken,
    ServiceRefreshToken,
    TokenType,
    token_backend,
    token_decode,
    token_encode,
)
from accounts.tokens.keys import jwk_thumbprint, key_ring
from authsvc.exceptions import TokenInvalid
from tests.factories import UserFactory
from tests.tokens import (
    b64,
    claims_of,
    forge,
    hs256_with_public_key_as_secret,
    issue_pair,
    now,
    unsigned,
)

TOKEN_CLASSES = {TokenType.ACCESS: ServiceAccessToken, TokenType.REFRESH: ServiceRefreshToken}


def _mint(token_type: TokenType = TokenType.ACCESS, lifetime_seconds: int = 1800) -> str:
    return token_encode(
        user_id=uuid.uuid4(),
        session_id=uuid.uuid4(),
        token_type=token_type,
        jti=uuid.uuid4().hex,
        issued_at=timezone.now(),
        lifetime_seconds=lifetime_seconds,
    )


def _refused(token: str, token_type: TokenType = TokenType.ACCESS) -> None:
    with pytest.raises(TokenError):
        TOKEN_CLASSES[token_type](token)
    with pytest.raises(TokenInvalid):
        token_decode(token=token, expected_type=token_type)


@pytest.fixture
def retired_key():
    return ec.generate_private_key(ec.SECP256R1())


def test_the_classes_are_simplejwts():
    assert issubclass(ServiceAccessToken, AccessToken)
    assert issubclass(ServiceRefreshToken, RefreshToken)
    assert issubclass(BearerTokenAuthentication, JWTAuthentication)
    assert isinstance(token_backend(TokenType.ACCESS), KeyRingBackend)
    assert isinstance(ServiceAccessToken(_mint()).get_token_backend(), KeyRingBackend)


@pytest.mark.parametrize("token_type", list(TokenType))
def test_a_minted_token_verifies_with_its_claims(token_type):
    session_id, user_id = uuid.uuid4(), uuid.uuid4()
    raw = token_encode(
        user_id=user_id,
        session_id=session_id,
        token_type=token_type,
        jti="a" * 32,
        issued_at=timezone.now(),
        lifetime_seconds=42,
    )

    token = TOKEN_CLASSES[token_type](raw)
    claims = token_decode(token=raw, expected_type=token_type)

    assert token["token_type"] == token_type.value
    assert claims == token.claims
    assert (claims.sub, claims.sid, claims.jti, claims.token_type) == (
        user_id,
        session_id,
        "a" * 32,
        token_type,
    )
    assert claims.exp - token["iat"] == 42  # the lifetime services asked for, not a default
    assert set(REQUIRED_CLAIMS) <= set(claims_of(raw))


def test_kid_header_is_the_current_keys_rfc_7638_thumbprint():
    public_jwk = jwt.algorithms.ECAlgorithm.to_jwk(
        key_ring().private_key.public_key(), as_dict=True
    )

    header = jwt.get_unverified_header(_mint())

    assert header["kid"] == jwk_thumbprint(public_jwk) == key_ring().signing_kid
    assert header["alg"] == "ES256"


def test_a_token_signed_by_a_retired_key_verifies_while_listed(settings, retired_key):
    retired_kid = jwk_thumbprint(
        jwt.algorithms.ECAlgorithm.to_jwk(retired_key.public_key(), as_dict=True)
    )
    old = forge(_mint(), key=retired_key, headers={"kid": retired_kid})
    _refused(old)

    settings.AUTH_JWT_PREVIOUS_PUBLIC_KEYS = [
        retired_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    ]

    assert ServiceAccessToken(old).claims.sub == uuid.UUID(claims_of(old)["sub"])
    # a retired key verifies; it never signs
    assert jwt.get_unverified_header(_mint())["kid"] == key_ring().signing_kid != retired_kid


def test_a_retired_kid_does_not_lend_its_key_to_another_signature(settings, retired_key):
    settings.AUTH_JWT_PREVIOUS_PUBLIC_KEYS = [
        retired_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    ]
    retired_kid = list(key_ring().verification)[1]

    _refused(forge(_mint(), headers={"kid": retired_kid}))  # our current key, the retired kid


@pytest.mark.parametrize(
    "headers", [{"kid": "not-our-key"}, {"kid": None}], ids=["unknown_kid", "no_kid"]
)
def test_unknown_or_missing_kid_is_refused(headers):
    _refused(forge(_mint(), headers=headers))


def test_alg_none_is_refused():
    _refused(unsigned(_mint()))


def test_hs256_keyed_with_the_public_key_pem_is_refused():
    _refused(hs256_with_public_key_as_secret(_mint()))


def test_access_token_presented_as_refresh_is_refused():
    _refused(_mint(TokenType.ACCESS), TokenType.REFRESH)


def test_refresh_token_presented_as_access_is_refused():
    _refused(_mint(TokenType.REFRESH), TokenType.ACCESS)


@pytest.mark.parametrize("token_type", list(TokenType))
@pytest.mark.parametrize("claim", REQUIRED_CLAIMS)
def test_a_token_missing_any_required_claim_is_refused(claim, token_type):
    _refused(forge(_mint(token_type), **{claim: None}), token_type)


@pytest.mark.parametrize("claim", ["sub", "sid"])
def test_a_malformed_uuid_claim_is_refused(claim):
    _refused(forge(_mint(), **{claim: "admin"}))


@pytest.mark.parametrize(
    "changed", [{"iss": "https://evil.example"}, {"aud": "another-service"}], ids=["iss", "aud"]
)
def test_wrong_issuer_or_audience_is_refused(changed):
    _refused(forge(_mint(), **changed))


def test_issuer_and_audience_come_from_settings(settings):
    token = _mint()
    settings.AUTH_JWT_AUDIENCE = "the-next-service"
    _refused(token)

    settings.AUTH_JWT_ISSUER = "https://issuer.example"
    renamed = _mint()

    assert claims_of(renamed)["iss"] == "https://issuer.example"
    assert claims_of(renamed)["aud"] == "the-next-service"
    assert ServiceAccessToken(renamed)


def test_expiry_is_allowed_the_leeway_and_no_more(settings):
    settings.AUTH_JWT_LEEWAY_SECONDS = 10
    token = _mint()
    within = forge(token, iat=now() - 1800, exp=now() - 3)
    beyond = forge(token, iat=now() - 1800, exp=now() - 30)

    assert ServiceAccessToken(within)
    _refused(beyond)

    settings.AUTH_JWT_LEEWAY_SECONDS = 0
    _refused(within)


def test_the_backend_is_built_once_per_configuration(settings, monkeypatch):
    codec._backend.cache_clear()
    built = []
    original_init = KeyRingBackend.__init__

    def counting_init(self, *args, **kwargs):
        built.append(self)
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(KeyRingBackend, "__init__", counting_init)
    raw = _mint()
    for _ in range(3):
        ServiceAccessToken(raw)
        token_decode(token=raw, expected_type=TokenType.ACCESS)

    assert len(built) == 1
    assert token_backend(TokenType.ACCESS) is token_backend(TokenType.ACCESS)

    settings.AUTH_JWT_LEEWAY_SECONDS = 5  # a new configuration, a new backend
    assert token_backend(TokenType.ACCESS).get_leeway().total_seconds() == 5
    assert len(built) == 2


def test_verified_access_tokens_are_remembered_and_refresh_tokens_not():
    # A refresh token is presented once (rotation retires it): remembering one costs memory.
    codec._backend.cache_clear()
    access, refresh = _mint(), _mint(TokenType.REFRESH)

    token_decode(token=access, expected_type=TokenType.ACCESS)
    token_decode(token=refresh, expected_type=TokenType.REFRESH)

    assert token_backend(TokenType.ACCESS)._verified.cache_info().currsize == 1
    assert token_backend(TokenType.REFRESH)._verified.cache_info().currsize == 0


def test_bearer_authentication_refuses_with_drfs_authentication_failed():
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {unsigned(_mint())}")
    authentication = BearerTokenAuthentication()

    with pytest.raises(AuthenticationFailed) as refused:
        authentication.authenticate(request)

    assert type(refused.value) is AuthenticationFailed  # not simplejwt's detail-dict subclass
    assert authentication.authenticate_header(request) == 'Bearer realm="authsvc"'


@pytest.mark.parametrize("header", ["", "Basic dXNlcjpwYXNz", "Token abc"])
def test_bearer_authentication_leaves_other_schemes_alone(header):
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=header)

    assert BearerTokenAuthentication().authenticate(request) is None


def test_bearer_with_extra_parts_is_refused():
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"bearer {_mint()} extra")

    with pytest.raises(AuthenticationFailed):
        BearerTokenAuthentication().authenticate(request)


@pytest.mark.parametrize(
    "header",
    [b"[1, 2]", b'"kid"', b"[" * 5000, b"\xff\xfe", b"{not json"],
    ids=["array", "string", "deeply_nested", "not_utf8", "not_json"],
)
def test_a_header_that_is_no_json_object_is_refused(header):
    _, payload, signature = _mint().split(".")

    _refused(f"{b64(header)}.{payload}.{signature}")


@pytest.mark.parametrize("raw", ["", "...", "not-a-jwt", "é.é.é", "%%%.%%%.%%%"])
def test_garbage_is_refused(raw):
    _refused(raw)


@pytest.mark.django_db
def test_request_auth_is_the_access_token_found_with_one_query(django_assert_num_queries):
    user = UserFactory()
    access = issue_pair(user)["access"]
    request = Request(
        APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {access}"),
        authenticators=[BearerTokenAuthentication()],
    )

    with django_assert_num_queries(1):
        assert request.user == user

    assert isinstance(request.auth, ServiceAccessToken)
    claims = request_claims(request)
    assert claims.sub == user.pk
    assert str(claims.sid) == claims_of(access)["sid"]
    assert (claims.jti, claims.exp) == (claims_of(access)["jti"], claims_of(access)["exp"])
