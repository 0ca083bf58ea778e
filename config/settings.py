"""authsvc settings: every value comes from the environment, defaults are production-safe.

The full list of variables, with their defaults, is in README.md and .env.example.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url

from config.env import (
    CONSOLE_BACKEND,
    SMTP_BACKEND,
    EmailServer,
    email_server_from_url,
    env_bool,
    env_int,
    env_list,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# --- Core -------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        # One clear line instead of a traceback: this is an operator's mistake, not a bug.
        raise SystemExit("authsvc: DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "authsvc",
    "accounts",
]

MIDDLEWARE = [
    # Outermost, so that every response (errors from inner layers included) has an id.
    "authsvc.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
APPEND_SLASH = False  # API paths are exact; a redirect would drop a POST body.

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'authsvc.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the writer; IMMEDIATE makes writers queue on
        # busy_timeout instead of failing with "database is locked" on upgrade.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -----------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.LoginBackend"]

PASSWORD_HASHERS = [
    # bcrypt on a SHA-256 pre-hash: plain bcrypt silently ignores bytes past 72.
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
PASSWORD_MIN_LENGTH = env_int("AUTH_PASSWORD_MIN_LENGTH", 8, minimum=1)
PASSWORD_MAX_LENGTH = 128
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if env_bool("AUTH_PASSWORD_REQUIRE_CHARACTER_CLASSES", True):
    AUTH_PASSWORD_VALIDATORS.append({"NAME": "accounts.validators.CharacterClassesValidator"})

ACCESS_TOKEN_TTL_SECONDS = env_int("AUTH_ACCESS_TOKEN_TTL", 1800, minimum=1)
REFRESH_TOKEN_TTL_SECONDS = env_int("AUTH_REFRESH_TOKEN_TTL", 604800, minimum=1)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=ACCESS_TOKEN_TTL_SECONDS),
    "REFRESH_TOKEN_LIFETIME": timedelta(seconds=REFRESH_TOKEN_TTL_SECONDS),
    "ALGORITHM": "HS256",
    "SIGNING_KEY": SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "sub",  # RFC 7519 §4.1.2
    "UPDATE_LAST_LOGIN": False,
}

# --- API --------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["authsvc.parsers.BoundedJSONParser"],
    "EXCEPTION_HANDLER": "authsvc.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
# Request bodies are small JSON documents; anything bigger is refused with 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024

SPECTACULAR_SETTINGS = {
    "TITLE": "authsvc",
    "DESCRIPTION": "Authentication service: registration, login and JSON Web Tokens. "
    "Every error is an RFC 9457 problem document (application/problem+json).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
}

# --- HTTPS and browser security -----------------------------------------------
# On by default; each can be switched off for a TLS-terminating proxy or local work.

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    # Only behind a proxy that overwrites X-Forwarded-Proto; otherwise clients could forge it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# --- Static files, i18n ---------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Client IP ------------------------------------------------------------------
# How many proxies we control stand in front; 0 ignores X-Forwarded-For entirely.
AUTH_TRUSTED_PROXIES = env_int("AUTH_TRUSTED_PROXIES", 0)

# --- Abuse defence: cache, rate limits, lockout (issue 3) --------------------------

# --- Logging, audit, health, metrics (issue 4) --------------------------------------

# --- Token lifecycle and signing keys (issue 5) ------------------------------------

# --- Resilience: breakers, outbound clients, mail (issue 6) --------------------------

# PostgreSQL: a request waits at most this long for a new connection when the server
# is down or unreachable, and a connection whose peer vanished fails instead of hanging
# (libpq otherwise waits on the OS, minutes). Recovery: see docs/failure-modes.md.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        connect_timeout=env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1),
        tcp_user_timeout=env_int("DATABASE_TCP_USER_TIMEOUT_MS", 10000),
    )

# Circuit breakers, one per upstream (authsvc/breakers.py): failures before opening,
# seconds open before one trial call. Shared by all processes through Redis when
# REDIS_URL is set, otherwise per process.
CIRCUIT_BREAKER_REDIS_URL = env_str("REDIS_URL")
CIRCUIT_BREAKERS = {
    name: {
        "fail_max": env_int(f"BREAKER_{name.upper()}_FAIL_MAX", 5, minimum=1),
        "reset_timeout_seconds": env_int(f"BREAKER_{name.upper()}_RESET_TIMEOUT", 30, minimum=1),
    }
    for name in ("pwned_passwords", "mail")
}

# Outbound HTTP (authsvc/outbound.py). A call, retries included, never takes longer
# than connect + read timeout: a retry only fits after a fast failure.
OUTBOUND_CONNECT_TIMEOUT_MS = env_int("OUTBOUND_CONNECT_TIMEOUT_MS", 1000, minimum=1)
OUTBOUND_READ_TIMEOUT_MS = env_int("OUTBOUND_READ_TIMEOUT_MS", 2000, minimum=1)
OUTBOUND_RETRIES = env_int("OUTBOUND_RETRIES", 1)
OUTBOUND_RETRY_BACKOFF_MS = env_int("OUTBOUND_RETRY_BACKOFF_MS", 100)

# Breached-password check (k-anonymity range API). Off by default: it sends data to a
# third party, which an operator must choose (docs/failure-modes.md).
AUTH_PWNED_PASSWORDS = env_bool("AUTH_PWNED_PASSWORDS", False)
AUTH_PWNED_PASSWORDS_URL = env_str("AUTH_PWNED_PASSWORDS_URL", "https://api.pwnedpasswords.com")
if AUTH_PWNED_PASSWORDS:
    AUTH_PASSWORD_VALIDATORS.append({"NAME": "accounts.validators.BreachedPasswordValidator"})

# Mail: EMAIL_URL, or the usual EMAIL_* variables; printed to the console in debug
# runs with nothing configured.
_EMAIL = (
    email_server_from_url(env_str("EMAIL_URL"))
    if env_str("EMAIL_URL")
    else EmailServer(
        backend=SMTP_BACKEND if env_str("EMAIL_HOST") or not DEBUG else CONSOLE_BACKEND,
        host=env_str("EMAIL_HOST", "localhost"),
        port=env_int("EMAIL_PORT", 25, minimum=1),
        user=env_str("EMAIL_HOST_USER"),
        password=env_str("EMAIL_HOST_PASSWORD"),
        use_tls=env_bool("EMAIL_USE_TLS", False),
        use_ssl=env_bool("EMAIL_USE_SSL", False),
    )
)
EMAIL_BACKEND = _EMAIL.backend
EMAIL_HOST = _EMAIL.host
EMAIL_PORT = _EMAIL.port
EMAIL_HOST_USER = _EMAIL.user
EMAIL_HOST_PASSWORD = _EMAIL.password
EMAIL_USE_TLS = _EMAIL.use_tls
EMAIL_USE_SSL = _EMAIL.use_ssl
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 5, minimum=1)  # seconds per SMTP socket operation
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "authsvc <noreply@localhost>")

# --- Deployment: CSP, CORS, proxies (issue 7) ----------------------------------------

SILENCED_SYSTEM_CHECKS = [
    # auth.W004: USERNAME_FIELD has no plain unique index because uniqueness is
    # case-insensitive, enforced by the accounts_user_username_ci_unique constraint.
    "auth.W004",
]
