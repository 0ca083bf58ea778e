"""Helpers for token tests: a real login session's tokens, and hand-made tokens to attack with."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from django.conf import settings

from accounts.tokens.keys import key_ring
from accounts.tokens.services import token_pair_issue


def issue_pair(user, request=None) -> dict:
    """Tokens of a new login session of ``user``, as login would return them."""
    return dict(token_pair_issue(user=user, request=request))


def bearer(token) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def claims_of(token: str) -> dict:
    """The payload, unverified (tests only read what the service wrote)."""
    return jwt.decode(token, options={"verify_signature": False})


def forge(
    token: str,
    *,
    key: Any = None,
    algorithm: str | None = None,
    headers: dict | None = None,
    **claims,
) -> str:
    """``token`` re-signed with ``claims`` changed (None removes one), by default by our key;
    its own header (``kid``, ``typ``) with ``headers`` changed the same way."""
    payload = {**claims_of(token), **claims}
    payload = {name: value for name, value in payload.items() if value is not None}
    ring = key_ring()
    return jwt.encode(
        payload,
        ring.private_key if key is None else key,
        algorithm=algorithm or ring.signing_algorithm,
        headers=_header_of(token, headers or {}),
    )


def _header_of(token: str, changes: dict) -> dict:
    header = {**jwt.get_unverified_header(token), **changes}
    return {name: value for name, value in header.items() if name != "alg" and value is not None}


def now() -> int:
    return int(time.time())


def new_uuid() -> str:
    return str(uuid.uuid4())


def issuer() -> str:
    return settings.AUTH_JWT_ISSUER


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_with_public_key_as_secret(token: str) -> str:
    """The classic confusion attack: HS256, keyed with our (public) verification key's PEM."""
    public_pem = (
        key_ring()
        .private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": key_ring().signing_kid}
    signing_input = (
        f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims_of(token)).encode())}"
    )
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def unsigned(token: str) -> str:
    """``token`` with ``alg: none`` and no signature."""
    header = {"alg": "none", "typ": "JWT", "kid": key_ring().signing_kid}
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims_of(token)).encode())}."
