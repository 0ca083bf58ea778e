"""authsvc settings: every value comes from the environment, defaults are production-safe.

The full list of variables, with their defaults, is in README.md and .env.example.
"""

import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers as cors_default_headers
from django.core.exceptions import ImproperlyConfigured

from authsvc.logging import logging_config
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
from config.signing_keys import previous_public_pems, signing_key_pem

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
    "corsheaders",
    "authsvc",
    "accounts",
]

MIDDLEWARE = [
    # Outermost, so that every response (errors from inner layers included) has an id.
    "authsvc.middleware.RequestIdMiddleware",
    # Inside the request id, so their records and metrics see it.
    "authsvc.middleware.AccessLogMiddleware",
    "authsvc.metrics.MetricsMiddleware",
    # Before anything that can answer (whitenoise, common): preflights and errors get CORS too.
    "corsheaders.middleware.CorsMiddleware",
    "authsvc.csp.ContentSecurityPolicyMiddleware",
    # API paths answer plain HTTP with 403 https_required; the rest is redirected just below.
    "authsvc.https.ApiHttpsOnlyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # ADMIN_MIDDLEWARE, under ADMIN_PATH_PREFIXES only.
    "authsvc.middleware.AdminOnlyMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# What only the admin's pages use (cookie sessions, CSRF, the logged-in user, messages; OTP
# and axes' lockout page are added below): API paths authenticate with a bearer token and
# the probes with nothing, so they skip it (docs/performance.md measured each layer).
ADMIN_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ADMIN_PATH_PREFIXES = ("/admin/",)

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
AUTHENTICATION_BACKENDS = ["accounts.login.backends.LoginBackend"]

PASSWORD_HASHERS = [
    # bcrypt on a SHA-256 pre-hash: plain bcrypt silently ignores bytes past 72.
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# "default": the product's original rules, 8+ characters and four character classes (a
# deviation from NIST SP 800-63B-4, which advises against composition rules). "nist": 15+
# characters for a password that is the only factor (§3.1.1.2), no composition rules.
# Both check the blocklist. AUTH_PASSWORD_MIN_LENGTH and ..._REQUIRE_CHARACTER_CLASSES
# still override the profile's values. docs/passwords.md compares the two.
AUTH_PASSWORD_PROFILE = env_str("AUTH_PASSWORD_PROFILE", "default").strip().lower()
if AUTH_PASSWORD_PROFILE not in ("default", "nist"):
    raise ImproperlyConfigured(
        f"AUTH_PASSWORD_PROFILE must be default or nist, got {AUTH_PASSWORD_PROFILE!r}"
    )
_NIST = AUTH_PASSWORD_PROFILE == "nist"  # noqa: S105 (a profile name, not a password)
# The service's name: a context word no password may be built on (docs/passwords.md).
AUTH_SERVICE_NAME = env_str("AUTH_SERVICE_NAME", "authsvc")
PASSWORD_MIN_LENGTH = env_int("AUTH_PASSWORD_MIN_LENGTH", 15 if _NIST else 8, minimum=1)
PASSWORD_MAX_LENGTH = 128
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Django's common-password list, also in decorated forms and against context words.
    {"NAME": "accounts.passwords.validators.BlocklistValidator"},
]
# zxcvbn's strength estimate, 0-4; 0 turns the check off (docs/passwords.md).
AUTH_PASSWORD_MIN_SCORE = env_int("AUTH_PASSWORD_MIN_SCORE", 3)
if not 0 <= AUTH_PASSWORD_MIN_SCORE <= 4:
    raise ImproperlyConfigured("AUTH_PASSWORD_MIN_SCORE must be between 0 and 4.")
if AUTH_PASSWORD_MIN_SCORE:
    AUTH_PASSWORD_VALIDATORS.append(
        {
            "NAME": "accounts.passwords.validators.StrengthValidator",
            "OPTIONS": {"min_score": AUTH_PASSWORD_MIN_SCORE},
        }
    )
if env_bool("AUTH_PASSWORD_REQUIRE_CHARACTER_CLASSES", not _NIST):
    AUTH_PASSWORD_VALIDATORS.append(
        {"NAME": "accounts.passwords.validators.CharacterClassesValidator"}
    )

ACCESS_TOKEN_TTL_SECONDS = env_int("AUTH_ACCESS_TOKEN_TTL", 1800, minimum=1)
# The refresh TTL is the idle timeout; AUTH_SESSION_MAX_AGE the absolute end of a session,
# counted from when the holder last proved who they are (ASVS 5.0 V7.3.2).
REFRESH_TOKEN_TTL_SECONDS = env_int("AUTH_REFRESH_TOKEN_TTL", 604800, minimum=1)
AUTH_SESSION_MAX_AGE = env_int("AUTH_SESSION_MAX_AGE", 2592000, minimum=1)

# --- API --------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.tokens.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "authsvc.negotiation.ContentNegotiation",
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
    "Every error is an RFC 9457 problem document (application/problem+json). "
    "Over plain HTTP, every API path answers 403 `https_required` unless the deployment "
    "turned the HTTPS redirect off.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
    # In the order a client developer meets them; every operation carries exactly one.
    "TAGS": [
        {
            "name": "auth",
            "description": "Accounts and proving who you are: register, log in, read the "
            "authenticated user, change the password.",
        },
        {
            "name": "tokens",
            "description": "The token lifecycle after login: refresh rotation, logout, the "
            "session list, and the public keys (JWKS) that verify access tokens.",
        },
        {
            "name": "mfa",
            "description": "A second factor for the logged-in user: TOTP enrolment, recovery "
            "codes, turning it off. The login's second stage is `POST /login/mfa` (auth).",
        },
        {
            "name": "passkeys",
            "description": "WebAuthn passkeys: registering and managing them (Bearer), logging "
            "in with one and no username, and a passkey as the second factor of a password "
            "login.",
        },
        {
            "name": "operations",
            "description": "For operators and orchestrators, not client apps: liveness, "
            "readiness and Prometheus metrics.",
        },
    ],
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
# Where collectstatic writes and whitenoise serves from (the image collects at build time).
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
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

# --- Abuse defence: cache, rate limits, lockout ---------------------------------------
# See docs/abuse.md. Counters must be shared by every worker and instance, never per process.

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis: INCR is atomic, and django-ratelimit's system check accepts it.
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "authsvc",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
else:
    CACHES = {
        "default": {
            # The database every process of the instance shares, with an atomic incr()
            # (django's DatabaseCache reads and writes back, losing updates under bursts).
            "BACKEND": "authsvc.cache.AtomicDatabaseCache",
            "LOCATION": "authsvc_cache",  # created by authsvc/migrations/0001_cache_table.py
        }
    }
ABUSE_SILENCED_CHECKS = [
    # axes.W006 wants lockout by IP too: per-IP limiting is django-ratelimit's job here
    # (AUTH_LOGIN_RATE); lockout is per account on purpose, so rotating IPs does not help.
    "axes.W006",
]
if not REDIS_URL:
    # django_ratelimit.W001 ("not officially supported") names every backend outside its
    # list; AtomicDatabaseCache's incr is atomic (tests/authsvc/test_cache.py proves it).
    ABUSE_SILENCED_CHECKS.append("django_ratelimit.W001")

# Rate limits per client IP, in django-ratelimit's syntax (count/[n]period, period s|m|h|d).
AUTH_LOGIN_RATE = env_str("AUTH_LOGIN_RATE", "5/15m")
# Each registration costs a bcrypt hash and creates a row; people register once, but a
# whole office or campus can share one NAT address: 10 an hour serves them and starves bots.
AUTH_REGISTER_RATE = env_str("AUTH_REGISTER_RATE", "10/h")
# A refresh costs no hash, but a stolen or guessed token is tried here: 60 a minute is one
# a second, far above what any client's rotation needs (one per access-token lifetime).
AUTH_REFRESH_RATE = env_str("AUTH_REFRESH_RATE", "60/m")
# When the rate-limit store is unreachable: True serves the request (and logs a warning),
# False refuses it with 503. Lockout still holds either way (it lives in the database).
AUTH_RATELIMIT_FAIL_OPEN = env_bool("AUTH_RATELIMIT_FAIL_OPEN", True)

AUTH_LOCKOUT_THRESHOLD = env_int("AUTH_LOCKOUT_THRESHOLD", 5, minimum=1)
AUTH_LOCKOUT_COOLOFF_SECONDS = env_int("AUTH_LOCKOUT_COOLOFF", 1800, minimum=1)
# Failed attempts since the last success, across lock windows, after which the account stays
# locked until a password reset or an admin unlock (NIST SP 800-63B-4 §3.2.2: at most 100).
AUTH_LOCKOUT_HARD_LIMIT = env_int("AUTH_LOCKOUT_HARD_LIMIT", 100, minimum=1)
# How long a device token (handed out by each login) keeps its client trusted: a trusted
# device's attempts have their own lockout bucket (accounts/login/devices.py).
AUTH_DEVICE_TOKEN_TTL_SECONDS = env_int("AUTH_DEVICE_TOKEN_TTL", 15552000, minimum=1)

INSTALLED_APPS += ["django_ratelimit", "axes"]
# Axes' middleware renders lockouts of non-API logins (the admin) as our 423 problem.
ADMIN_MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
# Axes first: it refuses a locked account before any backend computes a hash.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesBackend", *AUTHENTICATION_BACKENDS]

# django-axes defaults (lock by IP, forever, extend on every attempt) are each overridden.
AXES_ENABLED = True
AXES_HANDLER = "accounts.login.axes.AtomicLockoutHandler"  # atomic count, axes #592
AXES_FAILURE_LIMIT = AUTH_LOCKOUT_THRESHOLD
AXES_COOLOFF_TIME = timedelta(seconds=AUTH_LOCKOUT_COOLOFF_SECONDS)
AXES_LOCKOUT_PARAMETERS = ["username"]  # per account: an attacker rotating IPs still counts
AXES_USERNAME_CALLABLE = "accounts.login.axes.lockout_key"  # one key per account, however named
AXES_CLIENT_IP_CALLABLE = "authsvc.clientip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the lock ends when the cool-off says
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failed or refused attempt, with IP and agent
AXES_DISABLE_ACCESS_LOG = True  # successes: the audit trail's login_succeeded rows
AXES_LOCKOUT_CALLABLE = "accounts.login.axes.lockout_response"
AXES_HTTP_RESPONSE_CODE = 423
AXES_VERBOSE = False

# --- Logging, audit, health, metrics ---------------------------------------------

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOG_FORMAT = env_str("LOG_FORMAT", "json")  # json (one object per line) or console
LOGGING_CONFIG = "authsvc.logging.configure"
LOGGING = logging_config(level=LOG_LEVEL, log_format=LOG_FORMAT)
# When set, GET /metrics needs "Authorization: Bearer <this value>".
AUTH_METRICS_TOKEN = env_str("AUTH_METRICS_TOKEN")

# --- Token lifecycle and signing keys ----------------------------------------------
# docs/tokens.md explains the token model, key rotation and the cookie mode.

# The private key signs (RS256 for RSA, ES256 for EC P-256); previous public keys stay in
# the JWKS and keep verifying tokens signed before a key rotation until those expire.
AUTH_JWT_PRIVATE_KEY = signing_key_pem(
    pem=env_str("AUTH_JWT_PRIVATE_KEY"),
    pem_file=env_str("AUTH_JWT_PRIVATE_KEY_FILE"),
    debug=DEBUG,
    dev_key_path=BASE_DIR / "var" / "jwt-dev-key.pem",
)
AUTH_JWT_PREVIOUS_PUBLIC_KEYS = previous_public_pems(env_str("AUTH_JWT_PREVIOUS_PUBLIC_KEYS"))
AUTH_JWT_ISSUER = env_str("AUTH_JWT_ISSUER", "authsvc")
# The audiences of access tokens (comma-separated: every service that accepts them). Refresh
# tokens get "<issuer>#refresh", which no resource server expects.
AUTH_JWT_AUDIENCE = env_list("AUTH_JWT_AUDIENCE", "authsvc")
if not AUTH_JWT_AUDIENCE:
    raise ImproperlyConfigured("AUTH_JWT_AUDIENCE needs at least one audience.")
AUTH_JWT_LEEWAY_SECONDS = env_int("AUTH_JWT_LEEWAY", 10)  # clock skew tolerated on exp/iat
# simplejwt is the token layer (accounts/tokens/codec.py), but its own backend is never used:
# the token classes sign and verify with the key ring. Its api_settings still name the
# claims, header and lifetimes, so they are kept in agreement with the settings above.
SIMPLE_JWT = {
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "sub",
    "TOKEN_TYPE_CLAIM": "token_type",
    "JTI_CLAIM": "jti",
    "AUTH_HEADER_TYPES": ("Bearer",),
    "AUTH_TOKEN_CLASSES": ("accounts.tokens.codec.ServiceAccessToken",),
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=ACCESS_TOKEN_TTL_SECONDS),
    "REFRESH_TOKEN_LIFETIME": timedelta(seconds=REFRESH_TOKEN_TTL_SECONDS),
    "ISSUER": AUTH_JWT_ISSUER,
    "AUDIENCE": AUTH_JWT_AUDIENCE,
    "LEEWAY": AUTH_JWT_LEEWAY_SECONDS,
    "UPDATE_LAST_LOGIN": False,
    "CHECK_REVOKE_TOKEN": False,  # a password change ends the sessions instead
}
# Re-presenting the immediate predecessor of the current refresh token within this many
# seconds of its rotation is refused without revoking the session (two tabs, a retry).
AUTH_REFRESH_REUSE_GRACE_SECONDS = env_int("AUTH_REFRESH_REUSE_GRACE", 20)
# Browser mode: the refresh token travels in an HttpOnly SameSite=Strict cookie, not the body.
AUTH_REFRESH_COOKIE = env_bool("AUTH_REFRESH_COOKIE", False)
AUTH_REFRESH_COOKIE_SECURE = not DEBUG
# Revoked and expired login sessions are kept this long (forensics), then purge_tokens deletes them.
AUTH_SESSION_RETENTION_DAYS = env_int("AUTH_SESSION_RETENTION_DAYS", 30)

# --- Resilience: breakers, outbound clients, mail --------------------------------

# PostgreSQL: a request waits at most this long for a new connection when the server
# is down or unreachable, and a connection whose peer vanished fails instead of hanging
# (libpq otherwise waits on the OS, minutes). Recovery: see docs/failure-modes.md.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        connect_timeout=env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1),
        tcp_user_timeout=env_int("DATABASE_TCP_USER_TIMEOUT_MS", 10000),
    )
    if env_bool("DATABASE_POOL", False):
        # Django's native psycopg pool, one per worker process, shared by its threads.
        # Persistent connections (the default) were measured against it: docs/performance.md.
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool owns connection lifetimes
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": 1,
            "max_size": env_int("DATABASE_POOL_MAX_SIZE", 4, minimum=1),
            "timeout": env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1),
        }
    if env_bool("DATABASE_PREPARED_STATEMENTS", True):
        # Parameters bound by the server, and a statement run five times on a connection
        # prepared there: PostgreSQL plans it once instead of on every execution. The
        # session check behind every authenticated request went from 340 to 230 us.
        # Turn it off behind a pooler that cannot keep prepared statements (PgBouncer in
        # transaction mode before 1.21); Django leaves them off for that reason.
        DATABASES["default"]["OPTIONS"].update(server_side_binding=True, prepare_threshold=5)
    # Django's backend, with the health check pinging a connection at most once a second.
    DATABASES["default"]["ENGINE"] = "authsvc.postgresql"

# Circuit breakers, one per upstream (authsvc/breakers.py): failures before opening,
# seconds open before one trial call. Shared by all processes through Redis when
# REDIS_URL is set, otherwise per process.
CIRCUIT_BREAKER_REDIS_URL = REDIS_URL
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
    AUTH_PASSWORD_VALIDATORS.append(
        {"NAME": "accounts.passwords.validators.BreachedPasswordValidator"}
    )

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
# Empty counts as unset: compose passes every variable through, set or not.
AUTH_MAIL_FROM = env_str("AUTH_MAIL_FROM") or DEFAULT_FROM_EMAIL
AUTH_LOCKOUT_NOTICE_SUBJECT = env_str(
    "AUTH_LOCKOUT_NOTICE_SUBJECT", "Your account was locked after failed sign-in attempts"
)
AUTH_HARD_LOCK_NOTICE_SUBJECT = env_str(
    "AUTH_HARD_LOCK_NOTICE_SUBJECT", "Your account is locked until you reset your password"
)

# Recovery (docs/recovery.md). Mailed links point at the client app, which must serve
# /reset-password (and the other pages there) and POST the token from the URL's fragment.
AUTH_FRONTEND_URL = env_str("AUTH_FRONTEND_URL", "http://localhost:3000")
# Per client IP, in django-ratelimit's syntax; each accepted request may queue a mail.
AUTH_PASSWORD_RESET_RATE = env_str("AUTH_PASSWORD_RESET_RATE", "5/h")
AUTH_PASSWORD_RESET_TTL = env_int("AUTH_PASSWORD_RESET_TTL", 3600, minimum=60)
# Reset mails per account per hour; past it the request still answers 202 but queues nothing.
AUTH_PASSWORD_RESET_MAX_MAILS = env_int("AUTH_PASSWORD_RESET_MAX_MAILS", 3, minimum=1)
AUTH_PASSWORD_RESET_SUBJECT = env_str("AUTH_PASSWORD_RESET_SUBJECT", "Reset your password")
AUTH_PASSWORD_RESET_NOTICE_SUBJECT = env_str(
    "AUTH_PASSWORD_RESET_NOTICE_SUBJECT", "Your password was reset"
)
# Email verification: registration mails a token; a resend is limited like a reset request
# (AUTH_PASSWORD_RESET_RATE per IP, AUTH_PASSWORD_RESET_MAX_MAILS per account an hour).
AUTH_EMAIL_VERIFY_TTL = env_int("AUTH_EMAIL_VERIFY_TTL", 86400, minimum=60)
AUTH_EMAIL_VERIFY_SUBJECT = env_str("AUTH_EMAIL_VERIFY_SUBJECT", "Confirm your email address")
# 1: no tokens until the address is verified (login 403 email_unverified, registration
# answers without tokens).
AUTH_REQUIRE_VERIFIED_EMAIL = env_bool("AUTH_REQUIRE_VERIFIED_EMAIL", False)
# Email change: the token mailed to the new address lives AUTH_EMAIL_VERIFY_TTL seconds.
AUTH_EMAIL_CHANGE_SUBJECT = env_str("AUTH_EMAIL_CHANGE_SUBJECT", "Confirm your new email address")
AUTH_EMAIL_CHANGED_NOTICE_SUBJECT = env_str(
    "AUTH_EMAIL_CHANGED_NOTICE_SUBJECT", "The email address of your account was changed"
)

# Second factor (docs/mfa.md): TOTP and recovery codes. TOTP secrets are sealed at rest with
# AUTH_FIELD_ENCRYPTION_KEY (comma-separated: the first seals, all open, for rotation), a
# secret the database does not hold. Required with debug off before anyone enrols; debug
# falls back to SECRET_KEY. Generate one with:
#   python -c "import secrets; print(secrets.token_urlsafe(32))"
AUTH_FIELD_ENCRYPTION_KEYS = env_list("AUTH_FIELD_ENCRYPTION_KEY")
for _key in AUTH_FIELD_ENCRYPTION_KEYS:
    if len(_key) < 32:
        raise ImproperlyConfigured(
            "AUTH_FIELD_ENCRYPTION_KEY: each key needs 32 characters or more."
        )
# The issuer authenticator apps show beside the account name.
AUTH_MFA_ISSUER = env_str("AUTH_MFA_ISSUER", "authsvc")
# Seconds an mfa_token (a login between its password and its second factor) lives.
AUTH_MFA_TOKEN_TTL = env_int("AUTH_MFA_TOKEN_TTL", 300, minimum=30)
AUTH_MFA_RESET_NOTICE_SUBJECT = env_str(
    "AUTH_MFA_RESET_NOTICE_SUBJECT", "Two-factor authentication was turned off for your account"
)
# 1: staff must log in to the admin with TOTP; one without it is sent to enrol first.
AUTH_ADMIN_REQUIRE_MFA = env_bool("AUTH_ADMIN_REQUIRE_MFA", False)
# The admin asks staff with TOTP for a code (accounts.mfa.admin.MfaAdminSite, installed as
# admin.site by accounts.apps.AdminSiteConfig). django-otp's middleware marks the sessions that
# proved one: right after AuthenticationMiddleware, whose request.user it wraps, lazily (the
# API authenticates with DRF and never reads it).
INSTALLED_APPS[INSTALLED_APPS.index("django.contrib.admin")] = "accounts.apps.AdminSiteConfig"
ADMIN_MIDDLEWARE.insert(
    ADMIN_MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)

# Passkeys (docs/passkeys.md): WebAuthn credentials as a first factor and as a second. The
# relying party id is the registrable domain the credentials are bound to (an authenticator
# signs its SHA-256); changing it orphans every registered passkey. The origins are the exact
# scheme://host[:port] of the pages that call navigator.credentials (no path, no slash).
AUTH_WEBAUTHN_RP_ID = env_str("AUTH_WEBAUTHN_RP_ID", "localhost")
AUTH_WEBAUTHN_RP_NAME = env_str("AUTH_WEBAUTHN_RP_NAME", "authsvc")
AUTH_WEBAUTHN_ORIGINS = env_list("AUTH_WEBAUTHN_ORIGINS", "http://localhost:8000")
for _origin in AUTH_WEBAUTHN_ORIGINS:
    if not re.fullmatch(r"https?://[^/\s]+", _origin):
        raise ImproperlyConfigured(
            f"AUTH_WEBAUTHN_ORIGINS: {_origin!r} is not an origin like https://example.com"
        )
if not AUTH_WEBAUTHN_ORIGINS:
    raise ImproperlyConfigured("AUTH_WEBAUTHN_ORIGINS needs at least one origin.")
# Passkey login options per client IP (each one stores a challenge; none costs a hash).
AUTH_PASSKEY_RATE = env_str("AUTH_PASSKEY_RATE", "30/m")

# 1: serve /playground, a browser client of every flow for developers (docs/playground.md).
# Off by default and in the image: a production service has no use for a demo page.
AUTH_PLAYGROUND = env_bool("AUTH_PLAYGROUND", False)

# Mail leaves the request through a durable queue (authsvc/mail.py): a row in the database,
# delivered by `manage.py db_worker`. Every database (SQLite, PostgreSQL) holds its own queue,
# so nothing beyond the database is needed; docs/operations.md "Mail queue".
INSTALLED_APPS += ["django_tasks", "django_tasks_db"]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A failed delivery is tried again after MAIL_RETRY_BASE_SECONDS, then twice as long each
# time, MAIL_MAX_ATTEMPTS times in all (6 and 30 s: retries over about 15 minutes).
MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 6, minimum=1)
MAIL_RETRY_BASE_SECONDS = env_int("MAIL_RETRY_BASE_SECONDS", 30)
# /readyz reports "degraded" once the oldest task due to run has waited this long (no worker
# running, or workers that cannot keep up).
MAIL_QUEUE_MAX_AGE = env_int("MAIL_QUEUE_MAX_AGE", 300, minimum=1)

# --- Deployment: CSP, CORS, proxies -----------------------------------------------

# Tight everywhere; /redoc adds what ReDoc needs, next to its URL (authsvc.csp.csp_extend).
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],  # CSP3 successor of X-Frame-Options: DENY
}
# Browser clients on other origins, e.g. "https://app.example.com,https://admin.example.com".
# None by default; only the API paths, never the admin or the docs.
CORS_ALLOWED_ORIGINS = env_list("AUTH_CORS_ALLOWED_ORIGINS", "")
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_CREDENTIALS = False  # bearer tokens travel in a header; no cookie is ever needed
CORS_ALLOW_HEADERS = (*cors_default_headers, "x-request-id")
CORS_EXPOSE_HEADERS = ["X-Request-ID", "Retry-After"]
# Probes speak plain HTTP to the container itself; every other path is redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

SILENCED_SYSTEM_CHECKS = [
    # auth.W004: USERNAME_FIELD has no plain unique index because uniqueness is
    # case-insensitive, enforced by the accounts_user_username_ci_unique constraint.
    "auth.W004",
    # The admin's middleware is in ADMIN_MIDDLEWARE, not MIDDLEWARE; authsvc.checks checks
    # it there instead (admin.E408-E410: auth, messages, sessions; security.W003: CSRF;
    # axes.W002: axes).
    "admin.E408",
    "admin.E409",
    "admin.E410",
    "security.W003",
    "axes.W002",
    *ABUSE_SILENCED_CHECKS,
]
