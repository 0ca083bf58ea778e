"""Authenticated encryption of values the database must keep but must not give away.

Fernet (AES-128-CBC with HMAC-SHA256, from ``cryptography``) under keys derived with HKDF
from a configured secret and a purpose label: one secret can serve several purposes
without one purpose's ciphertext opening under another's key. The first secret of a list
seals; every secret opens, so a key is rotated by putting the new one first and keeping
the old one until nothing sealed with it is left.
"""

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["InvalidToken", "sealer"]


@lru_cache(maxsize=8)
def sealer(secrets: tuple[str, ...], purpose: bytes) -> MultiFernet:
    """The sealer for ``purpose`` keyed by ``secrets`` (the first one seals)."""

    def key(secret: str) -> Fernet:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
            secret.encode()
        )
        return Fernet(base64.urlsafe_b64encode(derived))

    return MultiFernet([key(secret) for secret in secrets])
