"""One APIView per operation: parse, call one service, serialize."""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.models import User
from accounts.serializers import (
    LoginRequestSerializer,
    MeResponseSerializer,
    RegisterRequestSerializer,
    TokenPairResponseSerializer,
    UserSummarySerializer,
)
from accounts.tokens import token_pair_issue
from accounts.tokens.cookies import refresh_cookie_enabled, refresh_cookie_set
from authsvc import exceptions as errors
from authsvc.openapi import problem_responses
from authsvc.ratelimit import rate_limit_enforce

# RFC 6749 §5.1: token responses must not be cached.
TOKEN_RESPONSE_HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache"}

_TOKEN_PAIR_EXAMPLE = OpenApiExample(
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
_COMMON_ERRORS = (errors.ParseError, errors.UnsupportedMediaType, errors.PayloadTooLarge)
# Past the per-IP rate (429), or its store unreachable with AUTH_RATELIMIT_FAIL_OPEN off (503).
_RATE_ERRORS = (errors.RateLimited, errors.ServiceUnavailable)


def _token_response(request: Request, user: User, status_code: int) -> Response:
    tokens = token_pair_issue(user=user, request=request._request)
    body: dict[str, Any] = {"user": UserSummarySerializer(user).data, **tokens}
    response = Response(body, status=status_code, headers=TOKEN_RESPONSE_HEADERS)
    if refresh_cookie_enabled():
        refresh_cookie_set(response, refresh=tokens["refresh"])
    return response


class RegisterView(APIView):
    authentication_classes = ()
    permission_classes = ()

    @extend_schema(
        operation_id="auth_register",
        summary="Register an account",
        description="Creates an active account and returns a token pair. Unknown fields "
        "are ignored. The password policy reports every rule that fails.",
        request=RegisterRequestSerializer,
        responses={
            201: TokenPairResponseSerializer,
            **problem_responses(
                errors.ValidationFailed,
                *_COMMON_ERRORS,
                errors.Conflict,
                *_RATE_ERRORS,
                examples={
                    errors.ValidationFailed: {
                        "errors": {"password": ["The password must contain at least one digit."]}
                    },
                    errors.Conflict: {
                        "detail": "This username is already taken.",
                        "errors": {"username": ["This username is already taken."]},
                    },
                },
            ),
        },
        examples=[_TOKEN_PAIR_EXAMPLE],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        # First, before parsing or hashing: every attempt counts, refused ones included.
        rate_limit_enforce(
            request=request._request, group="auth.register", rate=settings.AUTH_REGISTER_RATE
        )
        payload = RegisterRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = services.user_register(request=request._request, **payload.validated_data)
        return _token_response(request, user, status.HTTP_201_CREATED)


# The lockout counter must outlive a rolled-back request transaction (axes #628/#611).
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class LoginView(APIView):
    authentication_classes = ()
    permission_classes = ()

    @extend_schema(
        operation_id="auth_login",
        summary="Log in with username or email",
        description="`login` is a username or an email, in any letter case. Every failure "
        "(unknown login, wrong password, inactive account) is the same 401. At most "
        "`AUTH_LOGIN_RATE` attempts per client IP (429), and an account (or unknown name) "
        "is locked for `AUTH_LOCKOUT_COOLOFF` seconds after `AUTH_LOCKOUT_THRESHOLD` "
        "failures (423, even with the right password); both carry `Retry-After`.",
        request=LoginRequestSerializer,
        responses={
            200: TokenPairResponseSerializer,
            **problem_responses(
                errors.ValidationFailed,
                *_COMMON_ERRORS,
                errors.InvalidCredentials,
                errors.AccountLocked,
                *_RATE_ERRORS,
            ),
        },
        examples=[_TOKEN_PAIR_EXAMPLE],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        # First, before parsing or hashing: every attempt counts, refused ones included.
        rate_limit_enforce(
            request=request._request, group="auth.login", rate=settings.AUTH_LOGIN_RATE
        )
        payload = LoginRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = services.user_login(request=request._request, **payload.validated_data)
        return _token_response(request, user, status.HTTP_200_OK)


class MeView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        operation_id="auth_me",
        summary="The authenticated user",
        responses={
            200: MeResponseSerializer,
            **problem_responses(errors.NotAuthenticated, errors.TokenInvalid),
        },
        tags=["auth"],
    )
    def get(self, request: Request) -> Response:
        return Response(MeResponseSerializer(request.user).data)
