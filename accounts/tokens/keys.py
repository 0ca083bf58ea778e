"""Signing and verification keys, their ``kid`` and the published JWK Set.

The private key (``AUTH_JWT_PRIVATE_KEY``) signs; its public half and every retired
public key (``AUTH_JWT_PREVIOUS_PUBLIC_KEYS``) verify. Each key's ``kid`` is its
RFC 7638 JWK thumbprint, so the same key always gets the same id, in every process.
"""

import base64
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.conf import settings
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

# RFC 7638 §3.2: the required members of each key type, in the thumbprint's input.
_THUMBPRINT_MEMBERS = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y")}


@dataclass(frozen=True)
class VerificationKey:
    kid: str
    algorithm: str
    public_key: PublicKey
    jwk: dict[str, Any]


@dataclass(frozen=True)
class KeyRing:
    signing_kid: str
    signing_algorithm: str
    private_key: PrivateKey
    verification: dict[str, VerificationKey]  # by kid: the current key first, then retired ones


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 thumbprint: SHA-256 of the required members, sorted, no whitespace, base64url."""
    members = {name: jwk[name] for name in _THUMBPRINT_MEMBERS[jwk["kty"]]}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode())
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def _verification_key(public_key: PublicKey) -> VerificationKey:
    if isinstance(public_key, rsa.RSAPublicKey):
        algorithm, jwk = "RS256", RSAAlgorithm.to_jwk(public_key, as_dict=True)
    else:
        algorithm, jwk = "ES256", ECAlgorithm.to_jwk(public_key, as_dict=True)
    kid = jwk_thumbprint(jwk)
    published = {**jwk, "kid": kid, "use": "sig", "alg": algorithm}
    return VerificationKey(kid=kid, algorithm=algorithm, public_key=public_key, jwk=published)


@lru_cache(maxsize=4)
def key_ring_of(private_pem: str, previous_pems: tuple[str, ...]) -> KeyRing:
    """The key ring of these PEMs, parsed once per distinct pair (the token backend's
    cache is keyed by the same values)."""
    private_key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    assert isinstance(private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)  # noqa: S101 (checked at start-up)
    current = _verification_key(private_key.public_key())
    verification = {current.kid: current}
    for pem in previous_pems:
        public_key = serialization.load_pem_public_key(pem.encode())
        assert isinstance(public_key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey)  # noqa: S101
        retired = _verification_key(public_key)
        verification.setdefault(retired.kid, retired)
    return KeyRing(current.kid, current.algorithm, private_key, verification)


def key_ring() -> KeyRing:
    """The configured keys, parsed once per distinct configuration."""
    return key_ring_of(settings.AUTH_JWT_PRIVATE_KEY, tuple(settings.AUTH_JWT_PREVIOUS_PUBLIC_KEYS))


def jwks_document() -> dict[str, list[dict[str, Any]]]:
    """The RFC 7517 JWK Set of every key that verifies our tokens (public parts only)."""
    return {"keys": [key.jwk for key in key_ring().verification.values()]}
