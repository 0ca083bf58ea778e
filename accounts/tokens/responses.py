"""The token response of every endpoint that logs a user in (register, login)."""

from collections.abc import Sequence
from typing import Any

from drf_spectacular.utils import OpenApiExample
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.tokens.cookies import refresh_cookie_enabled, refresh_cookie_set
from accounts.tokens.services import token_pair_issue
from accounts.users.models import User
from accounts.users.serializers import UserSummarySerializer

# RFC 6749 §5.1: token responses must not be cached.
TOKEN_RESPONSE_HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache"}

TOKEN_PAIR_EXAMPLE = OpenApiExample(
    "tokens",
    value={
        "user": {
            "id": "3f8e6a52-9d0b-4c1e-8a57-2f4b6c8d0e1a",
            "username": "alice",
            "email": "alice@example.com",
            "date_joined": "2026-11-28T12:00:00Z",
        },
        "access": "eyJhbGciOi...",
        "refresh": "eyJhbGciOi...",
        "token_type": "Bearer",
        "expires_in": 1800,
    },
    response_only=True,
)


def token_pair_response(
    request: Request,
    user: User,
    status_code: int,
    *,
    amr: Sequence[str] = ("pwd",),
    extra: dict[str, Any] | None = None,
) -> Response:
    """A new login session for ``user``: its tokens, the user summary, no caching.

    ``amr`` (RFC 8176) is how the holder proved who they are; ``extra`` adds body members.
    """
    tokens = token_pair_issue(user=user, request=request._request, amr=amr)
    body: dict[str, Any] = {**(extra or {}), "user": UserSummarySerializer(user).data, **tokens}
    response = Response(body, status=status_code, headers=TOKEN_RESPONSE_HEADERS)
    if refresh_cookie_enabled():
        refresh_cookie_set(response, refresh=tokens["refresh"])
    return response
