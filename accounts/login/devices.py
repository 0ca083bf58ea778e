"""Device tokens: a client that has logged in before keeps logging in while strangers
lock the account (OWASP "Slow Down Online Guessing Attacks with Device Cookies").

A successful login hands out a device token: Django's signed, timestamped value (HMAC with
the secret key, ``django.core.signing``) of the account's id and a random device id. A
later login that presents it for the same account, unexpired, is a *trusted device*: its
attempts are counted in a lockout bucket of their own (``<account>|device:<id>``), so
failures from anywhere else cannot lock it out, and its own failures lock only itself.
Every other login, and any token that is forged, expired or another account's, counts
against the account as before. Nothing is stored: the token is checked by its signature.
"""

import re
import secrets

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.urls import reverse
from rest_framework.response import Response

from accounts.tokens.cookies import secure_cookie_name
from accounts.users.models import User

DEVICE_TOKEN_SALT = "authsvc.login.device-token"  # noqa: S105 (a namespace for signing)
DEVICE_COOKIE_NAME = "authsvc_device"
DEVICE_TOKEN_MAX_LENGTH = 512
DEVICE_KEY_SEPARATOR = "|device:"
_DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{16}")


def device_token_issue(*, user: User) -> str:
    return signing.dumps(
        {"u": str(user.pk), "d": secrets.token_urlsafe(12)}, salt=DEVICE_TOKEN_SALT
    )


def device_id_of(*, token: str, user: User) -> str | None:
    """The device id of ``token`` when it is ours, unexpired and bound to ``user``."""
    if not token or len(token) > DEVICE_TOKEN_MAX_LENGTH:
        return None
    try:
        payload = signing.loads(
            token, salt=DEVICE_TOKEN_SALT, max_age=settings.AUTH_DEVICE_TOKEN_TTL_SECONDS
        )
    except signing.BadSignature:  # SignatureExpired included
        return None
    if not isinstance(payload, dict) or payload.get("u") != str(user.pk):
        return None
    device = payload.get("d")
    return device if isinstance(device, str) and _DEVICE_ID.fullmatch(device) else None


def _cookie_name() -> str:
    return secure_cookie_name(DEVICE_COOKIE_NAME)


def device_token_presented(request: HttpRequest) -> str | None:
    """The device token of a login request: the body's, or in cookie mode the cookie."""
    token = getattr(request, "login_device_token", None)
    if token is None and settings.AUTH_REFRESH_COOKIE:
        token = request.COOKIES.get(_cookie_name())
    return token


def trusted_device_id(request: HttpRequest | None, user: User) -> str | None:
    """The id of the trusted device this login comes from, or None; checked once per
    request, since the lockout asks for its key several times per attempt."""
    if request is None:
        return None
    memo: dict[object, str | None] = request.__dict__.setdefault("_login_devices", {})
    if user.pk not in memo:
        token = device_token_presented(request)
        memo[user.pk] = device_id_of(token=token, user=user) if token else None
    return memo[user.pk]


def device_lockout_key(account_key: str, device_id: str) -> str:
    return f"{account_key}{DEVICE_KEY_SEPARATOR}{device_id}"


def account_of_lockout_key(key: str) -> str:
    """The account part of a lockout key (a device bucket's, or the account's own)."""
    return key.split(DEVICE_KEY_SEPARATOR, 1)[0]


def device_token_attach(response: Response, *, user: User) -> None:
    """Give the client a device token: in the body, or in cookie mode an HttpOnly cookie
    that only the login path receives."""
    token = device_token_issue(user=user)
    if settings.AUTH_REFRESH_COOKIE:
        response.set_cookie(
            _cookie_name(),
            token,
            max_age=settings.AUTH_DEVICE_TOKEN_TTL_SECONDS,
            path=reverse("auth-login"),
            secure=settings.AUTH_REFRESH_COOKIE_SECURE,
            httponly=True,
            samesite="Strict",
        )
    elif isinstance(response.data, dict):
        response.data["device_token"] = token
