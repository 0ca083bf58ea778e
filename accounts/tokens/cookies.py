"""Browser mode (AUTH_REFRESH_COOKIE=1): the refresh token in an HttpOnly cookie.

The cookie is HttpOnly (no script reads it, so XSS cannot exfiltrate it), Secure (except
in debug), SameSite=Strict (never sent on a cross-site request: the CSRF defence, with
the JSON-only parser and no credentialed CORS) and scoped to the two paths that read
it. A cookie has one path, so there are two, with the same value: one for refresh, one
for logout. In this mode the refresh token is left out of response bodies.

Secure cookies carry the ``__Secure-`` prefix: a browser accepts such a cookie only from
an HTTPS response with the Secure attribute, so a plain-HTTP page or a sibling subdomain
served over HTTP cannot plant or overwrite one (RFC 6265bis §4.1.3). In debug (plain HTTP
on localhost) the cookies have neither the attribute nor the prefix.
"""

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from rest_framework.response import Response

REFRESH_COOKIE_NAME = "authsvc_refresh"
LOGOUT_COOKIE_NAME = "authsvc_refresh_logout"
SECURE_PREFIX = "__Secure-"


def secure_cookie_name(name: str) -> str:
    """``name`` with the ``__Secure-`` prefix when cookies are Secure (not in debug)."""
    return f"{SECURE_PREFIX}{name}" if settings.AUTH_REFRESH_COOKIE_SECURE else name


def _cookie_paths() -> dict[str, str]:
    return {
        secure_cookie_name(REFRESH_COOKIE_NAME): reverse("auth-token-refresh"),
        secure_cookie_name(LOGOUT_COOKIE_NAME): reverse("auth-logout"),
    }


def refresh_cookie_enabled() -> bool:
    return bool(settings.AUTH_REFRESH_COOKIE)


def refresh_cookie_set(response: Response, *, refresh: str) -> None:
    """Put ``refresh`` in the cookies and take it out of the body."""
    for name, path in _cookie_paths().items():
        response.set_cookie(
            name,
            refresh,
            max_age=settings.REFRESH_TOKEN_TTL_SECONDS,
            path=path,
            secure=settings.AUTH_REFRESH_COOKIE_SECURE,
            httponly=True,
            samesite="Strict",
        )
    if isinstance(response.data, dict):
        response.data.pop("refresh", None)


def refresh_cookie_clear(response: Response) -> None:
    for name, path in _cookie_paths().items():
        response.delete_cookie(name, path=path, samesite="Strict")


def refresh_from_cookie(request: HttpRequest) -> str | None:
    """The refresh token the browser sent for this path, when cookie mode is on."""
    if not refresh_cookie_enabled():
        return None
    return next(filter(None, map(request.COOKIES.get, _cookie_paths())), None)
