"""Signing keys for tests that start the service with production settings."""

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def signing_key_one_line() -> str:
    """A fresh P-256 private key as one line with \\n escapes, as .env files carry it."""
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem.decode().strip().replace("\n", "\\n")
