"""The token layer: simplejwt's token classes, on a backend that knows our key ring.

simplejwt is the token layer (``ServiceAccessToken``, ``ServiceRefreshToken``, and
``BearerTokenAuthentication`` on its ``JWTAuthentication``), but its stock pieces cannot
keep this service's guarantees, hence the subclasses:

- ``KeyRingBackend``: simplejwt's ``TokenBackend`` holds one key and one algorithm. Ours
  signs with the current key and a ``kid`` header, and verifies by ``kid`` among the current
  and retired keys with the algorithm pinned to that key's own, never the token's (refuses
  ``none`` and HS256-keyed-with-our-public-key; RFC 8725 §2.1, §3.1). It also requires every
  claim of ``REQUIRED_CLAIMS``, which the stock backend does not.
- Each kind has its own backend: access tokens carry the header ``typ: at+jwt`` and the
  audiences of ``AUTH_JWT_AUDIENCE`` (RFC 9068), refresh tokens ``typ: JWT`` and the audience
  ``<issuer>#refresh``, so a service that checks ``typ`` or ``aud`` (docs/tokens.md's recipe
  checks both) cannot take a refresh token for an access token; each backend requires its
  own ``typ`` and audience.
- The token classes: their lifetime is computed per session by ``services`` (neither token
  outlives its session), they carry ``sid``, and ``verify`` checks only what PyJWT's single
  decode has not already checked (``exp`` with leeway, ``iss``, ``aud``, presence of every
  claim), so verifying costs no more than the hand-rolled codec this replaced.

``token_encode`` / ``token_decode`` are the functions the rest of the service calls; any
failure is ``authsvc.exceptions.TokenInvalid``, never one of simplejwt's exceptions.
"""

import base64
import json
import time
import uuid
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, ClassVar, NamedTuple

import jwt
from django.conf import settings
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenError
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, Token

from accounts.tokens.keys import KeyRing, key_ring_of
from authsvc.exceptions import TokenInvalid

REQUIRED_CLAIMS = ["iss", "aud", "sub", "iat", "exp", "jti", "sid", "token_type"]
# Verified tokens a backend remembers (about 2.3 KB each): the clients active in a few
# minutes on one worker.
VERIFIED_TOKENS_KEPT = 1024
ACCESS_TOKEN_TYP = "at+jwt"  # noqa: S105 (a media type, RFC 9068 §2.1)
REFRESH_TOKEN_TYP = "JWT"  # noqa: S105 (a media type)


class TokenType(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"


class TokenClaims(NamedTuple):
    """The verified claims the service acts on (``request_claims`` returns these)."""

    sub: uuid.UUID
    sid: uuid.UUID
    jti: str
    token_type: TokenType
    exp: int


class KeyRingBackend(TokenBackend):
    """Signs with the key ring's current key; verifies by ``kid``, the algorithm pinned."""

    def __init__(
        self,
        ring: KeyRing,
        *,
        issuer: str,
        audience: str | list[str],
        leeway: int,
        typ: str,
        verified_kept: int,
    ) -> None:
        super().__init__(ring.signing_algorithm, audience=audience, issuer=issuer, leeway=leeway)
        self.ring = ring
        self.typ = typ
        self._verification = ring.verification
        self._leeway = leeway
        self._decode_options: Any = {"require": REQUIRED_CLAIMS}
        self._headers = {"kid": ring.signing_kid, "typ": typ}
        # Tokens whose signature and claims this backend has verified, by their exact text.
        # A client sends one access token with every request for its lifetime; verifying an
        # ES256 signature again each time costs more than the rest of /me's token handling.
        # Only successes are kept (lru_cache keeps no exceptions), ``exp`` is checked again
        # on every use, revocation is the session check's, and a new key configuration
        # builds a new backend, hence an empty cache.
        self._verified = lru_cache(maxsize=verified_kept)(self._verify)

    def encode(self, payload: dict[str, Any]) -> str:
        ring = self.ring
        return jwt.encode(
            {**payload, "iss": self.issuer, "aud": self.audience},
            ring.private_key,
            algorithm=ring.signing_algorithm,
            headers=self._headers,
        )

    def decode(self, token: Any, verify: bool = True) -> dict[str, Any]:
        """The verified payload; TokenBackendError for anything short of a token we issued.

        The signature is checked even when ``verify`` is False: no caller here needs an
        unverified payload, and reading one must never be a flag away. A token verified
        before is not verified again, but its expiry is.
        """
        if not isinstance(token, str | bytes):
            raise TokenBackendError("Token is invalid")
        payload = self._verified(token)
        # RFC 7519 §4.1.4 with the same leeway as PyJWT's check at the first verification.
        if payload["exp"] + self._leeway <= time.time():
            raise TokenBackendError("Token is invalid")
        return dict(payload)  # a copy: the cached one must not change under later requests

    def _verify(self, token: str | bytes) -> dict[str, Any]:
        header = _unverified_header(token)
        kid = header.get("kid")
        key = self._verification.get(kid) if isinstance(kid, str) else None
        # The algorithm comes from our key, never from the token (CVE-2015-9235 class).
        if key is None or header.get("alg") != key.algorithm or header.get("typ") != self.typ:
            raise TokenBackendError("Token is invalid")
        try:
            return jwt.decode(
                token,
                key.public_key,
                algorithms=[key.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self._leeway,
                options=self._decode_options,
            )
        except jwt.PyJWTError as exc:
            raise TokenBackendError("Token is invalid") from exc


def _unverified_header(token: str | bytes) -> dict[str, Any]:
    """The JOSE header, read only to choose the key; PyJWT's decode then checks it all.

    Not jwt.get_unverified_header: that validates and decodes every segment, character by
    character in Python, and the decode that follows does it all again. Reading more
    leniently here is safe: whichever of our keys is chosen, PyJWT's own strict parse decides
    whether the token is well-formed, of that key's algorithm, and signed by it.
    """
    try:
        raw = token.encode() if isinstance(token, str) else token
        segment = raw.split(b".", 1)[0]
        header = json.loads(base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4)))
    except (ValueError, RecursionError) as exc:  # binascii, Unicode and JSON errors included
        raise TokenBackendError("Token is invalid") from exc
    if not isinstance(header, dict):
        raise TokenBackendError("Token is invalid")
    return header


@lru_cache(maxsize=8)
def _backend(
    private_pem: str,
    previous_pems: tuple[str, ...],
    issuer: str,
    audiences: tuple[str, ...],
    leeway: int,
    token_type: TokenType,
) -> KeyRingBackend:
    if token_type is TokenType.REFRESH:
        audience: str | list[str] = refresh_audience(issuer)
        typ = REFRESH_TOKEN_TYP
        # A refresh token is presented once (rotation retires it), so a remembered one is
        # never asked for again: a full cache would only hold ~2 MiB of dead tokens.
        kept = 0
    else:
        # One audience is written as a string, several as a list (RFC 7519 §4.1.3).
        audience = audiences[0] if len(audiences) == 1 else list(audiences)
        typ = ACCESS_TOKEN_TYP
        kept = VERIFIED_TOKENS_KEPT
    ring = key_ring_of(private_pem, previous_pems)
    return KeyRingBackend(
        ring, issuer=issuer, audience=audience, leeway=leeway, typ=typ, verified_kept=kept
    )


def refresh_audience(issuer: str) -> str:
    """Refresh tokens are for this service alone: an audience no resource server expects."""
    return f"{issuer}#refresh"


def token_backend(token_type: TokenType) -> KeyRingBackend:
    """The backend of one kind of token for the configured keys and claims, built once per
    distinct configuration."""
    audience = settings.AUTH_JWT_AUDIENCE
    return _backend(
        settings.AUTH_JWT_PRIVATE_KEY,
        tuple(settings.AUTH_JWT_PREVIOUS_PUBLIC_KEYS),
        settings.AUTH_JWT_ISSUER,
        (audience,) if isinstance(audience, str) else tuple(audience),
        settings.AUTH_JWT_LEEWAY_SECONDS,
        token_type,
    )


def _uuid(value: object) -> uuid.UUID:
    if not isinstance(value, str):
        raise TokenError("Token is invalid")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise TokenError("Token is invalid") from None


class ServiceToken(Token):
    """What our access and refresh tokens share: the key-ring backend, ``sid``, and a
    ``verify`` that adds to PyJWT's checks only what it cannot know."""

    service_type: ClassVar[TokenType]
    claims: TokenClaims

    def get_token_backend(self) -> KeyRingBackend:
        return token_backend(self.service_type)

    def verify(self) -> None:
        # exp (with leeway), iss, aud and the presence of every claim were checked by the
        # backend's one PyJWT decode; simplejwt's check_exp would only repeat it.
        payload = self.payload
        # RFC 8725 §3.11: an access token must not pass as a refresh token, nor the reverse.
        if payload["token_type"] != self.token_type or not isinstance(payload["jti"], str):
            raise TokenError("Token is invalid")
        self.claims = TokenClaims(
            sub=_uuid(payload["sub"]),
            sid=_uuid(payload["sid"]),
            jti=payload["jti"],
            token_type=self.service_type,
            exp=payload["exp"],
        )

    @classmethod
    def for_session(
        cls,
        *,
        user_id: uuid.UUID,
        session_id: uuid.UUID,
        jti: str,
        issued_at: datetime,
        lifetime_seconds: int,
        amr: list[str] | None = None,
    ) -> "ServiceToken":
        """A new token of the session; its lifetime is the caller's (``services`` cuts it
        short near the session's end), not the class default."""
        token = cls()
        iat = int(issued_at.timestamp())
        token["iat"] = iat
        token["exp"] = iat + lifetime_seconds
        token["jti"] = jti
        token["sub"] = str(user_id)
        token["sid"] = str(session_id)
        if amr:
            # RFC 8176 authentication method references: how the holder proved who they are.
            token["amr"] = amr
        return token


class ServiceAccessToken(ServiceToken, AccessToken):
    token_type = TokenType.ACCESS.value
    service_type = TokenType.ACCESS


# simplejwt's own RefreshToken trips the same check (its BlacklistMixin's for_user).
class ServiceRefreshToken(ServiceToken, RefreshToken):  # type: ignore[misc]
    token_type = TokenType.REFRESH.value
    service_type = TokenType.REFRESH
    access_token_class = ServiceAccessToken


_TOKEN_CLASSES: dict[TokenType, type[ServiceToken]] = {
    TokenType.ACCESS: ServiceAccessToken,
    TokenType.REFRESH: ServiceRefreshToken,
}


def token_encode(
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    token_type: TokenType,
    jti: str,
    issued_at: datetime,
    lifetime_seconds: int,
    amr: list[str] | None = None,
) -> str:
    token = _TOKEN_CLASSES[token_type].for_session(
        user_id=user_id,
        session_id=session_id,
        jti=jti,
        issued_at=issued_at,
        lifetime_seconds=lifetime_seconds,
        amr=amr,
    )
    return str(token)


def token_verify(*, token: str | bytes, expected_type: TokenType) -> ServiceToken:
    """The verified token; TokenInvalid for anything short of a token we issued, of
    ``expected_type``, for our issuer and audience, unexpired (with leeway)."""
    try:
        return _TOKEN_CLASSES[expected_type](token)  # type: ignore[arg-type]  # str or bytes
    except TokenError as exc:
        raise TokenInvalid() from exc


def token_decode(*, token: str, expected_type: TokenType) -> TokenClaims:
    """The verified claims of ``token`` (see ``token_verify``)."""
    return token_verify(token=token, expected_type=expected_type).claims
