"""Test settings: production settings plus what makes the suite fast and hermetic."""

import hashlib
import os

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def _test_signing_key_pem() -> str:
    """A TEST-ONLY P-256 key derived from a fixed seed: instant, and the same in every process
    (gunicorn workers started by tests must verify the test process's tokens). Never deploy it."""
    seed = hashlib.sha256(b"authsvc test-only JWT signing key").digest()
    key = ec.derive_private_key(int.from_bytes(seed, "big"), ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem.decode()


os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("AUTH_JWT_PRIVATE_KEY", _test_signing_key_pem())
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("AUTH_FIELD_ENCRYPTION_KEY", "test-field-encryption-key-not-for-production")

from config.settings import *  # noqa: E402, F403
from config.settings import DATABASES, PASSWORD_HASHERS  # noqa: E402

# A fast hasher for the suite; tests that prove production hashing put bcrypt back.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not shared memory, so threaded tests see real SQLite locking.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test.sqlite3")}  # noqa: F405

# Whitenoise warns on every request when STATIC_ROOT is absent; tests never collectstatic.
STATIC_ROOT.mkdir(exist_ok=True)  # noqa: F405
WHITENOISE_USE_FINDERS = True  # serve app static files (Swagger UI, ReDoc) without collectstatic
