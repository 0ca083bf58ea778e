"""Issuing token pairs. The token format is simplejwt's; this is the one place that mints them."""

from typing import TypedDict

from django.conf import settings
from django.http import HttpRequest
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User


class TokenPair(TypedDict):
    access: str
    refresh: str
    token_type: str
    expires_in: int


def token_pair_issue(*, user: User, request: HttpRequest | None = None) -> TokenPair:
    """A fresh access/refresh pair for ``user``; ``request`` describes the new login session."""
    refresh = RefreshToken.for_user(user)
    return {
        "access": str(refresh.access_token),
        "refresh": str(refresh),
        "token_type": "Bearer",
        "expires_in": settings.ACCESS_TOKEN_TTL_SECONDS,
    }
