"""Test settings: production settings plus what makes the suite fast and hermetic."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")

from config.settings import *  # noqa: F403
from config.settings import DATABASES, PASSWORD_HASHERS

# A fast hasher for the suite; tests that prove production hashing put bcrypt back.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not shared memory, so threaded tests see real SQLite locking.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test.sqlite3")}  # noqa: F405

# Whitenoise warns on every request when STATIC_ROOT is absent; tests never collectstatic.
STATIC_ROOT.mkdir(exist_ok=True)  # noqa: F405
WHITENOISE_USE_FINDERS = True  # serve app static files (Swagger UI, ReDoc) without collectstatic
