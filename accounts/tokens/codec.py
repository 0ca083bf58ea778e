"""JWT encoding and the strict verification every presented token goes through.

PyJWT directly rather than simplejwt: verification picks the key by ``kid`` among the
current and retired keys, and pins the algorithm to that key's own, which simplejwt's
single-key backend cannot do.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import jwt
from django.conf import settings

from accounts.tokens.keys import key_ring
from authsvc.exceptions import TokenInvalid

REQUIRED_CLAIMS = ["iss", "aud", "sub", "iat", "exp", "jti", "sid", "token_type"]


class TokenType(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"


@dataclass(frozen=True)
class TokenClaims:
    """The verified claims the service acts on; ``request.auth`` is one of these."""

    sub: uuid.UUID
    sid: uuid.UUID
    jti: str
    token_type: TokenType
    exp: int


def token_encode(
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    token_type: TokenType,
    jti: str,
    issued_at: datetime,
    lifetime_seconds: int,
) -> str:
    ring = key_ring()
    iat = int(issued_at.timestamp())
    payload = {
        "iss": settings.AUTH_JWT_ISSUER,
        "aud": settings.AUTH_JWT_AUDIENCE,
        "sub": str(user_id),
        "iat": iat,
        "exp": iat + lifetime_seconds,
        "jti": jti,
        "sid": str(session_id),
        "token_type": token_type.value,
    }
    return jwt.encode(
        payload,
        ring.private_key,
        algorithm=ring.signing_algorithm,
        headers={"kid": ring.signing_kid},
    )


def _uuid(value: object) -> uuid.UUID:
    if not isinstance(value, str):
        raise TokenInvalid()
    try:
        return uuid.UUID(value)
    except ValueError:
        raise TokenInvalid() from None


def token_decode(*, token: str, expected_type: TokenType) -> TokenClaims:
    """Verified claims of ``token``; TokenInvalid for anything short of a token we issued,
    of ``expected_type``, for our issuer and audience, unexpired (with leeway)."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenInvalid() from exc
    kid = header.get("kid")
    key = key_ring().verification.get(kid) if isinstance(kid, str) else None
    # The algorithm comes from our key, never from the token: refuses "none" and the
    # HS256-with-the-public-key confusion attack (CVE-2015-9235 class; RFC 8725 §2.1, §3.1).
    if key is None or header.get("alg") != key.algorithm:
        raise TokenInvalid()
    try:
        claims = jwt.decode(
            token,
            key.public_key,
            algorithms=[key.algorithm],
            audience=settings.AUTH_JWT_AUDIENCE,
            issuer=settings.AUTH_JWT_ISSUER,
            leeway=settings.AUTH_JWT_LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as exc:
        raise TokenInvalid() from exc
    # RFC 8725 §3.11: an access token must not be accepted as a refresh token, nor the reverse.
    if claims["token_type"] != expected_type.value or not isinstance(claims["jti"], str):
        raise TokenInvalid()
    return TokenClaims(
        sub=_uuid(claims["sub"]),
        sid=_uuid(claims["sid"]),
        jti=claims["jti"],
        token_type=expected_type,
        exp=claims["exp"],
    )
