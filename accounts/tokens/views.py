"""Token lifecycle endpoints: refresh, logout, sessions, JWKS.

One APIView per operation: parse, call one service, serialize (docs/tokens.md).
"""

import uuid

from django.conf import settings
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.tokens import services
from accounts.tokens.authentication import request_claims, request_user
from accounts.tokens.cookies import (
    refresh_cookie_clear,
    refresh_cookie_enabled,
    refresh_cookie_set,
    refresh_from_cookie,
)
from accounts.tokens.keys import jwks_document
from accounts.tokens.responses import TOKEN_RESPONSE_HEADERS
from accounts.tokens.selectors import login_sessions_active
from accounts.tokens.serializers import (
    JsonWebKeySetSerializer,
    LoginSessionListResponseSerializer,
    LoginSessionSerializer,
    LogoutRequestSerializer,
    TokenRefreshRequestSerializer,
    TokenRefreshResponseSerializer,
)
from authsvc import exceptions as errors
from authsvc.openapi import BODY_ERRORS, RATE_ERRORS, problem_responses
from authsvc.ratelimit import rate_limit_enforce

JWKS_CACHE_CONTROL = "public, max-age=300"  # short: a rotated key must reach verifiers soon
_AUTH_ERRORS = (errors.NotAuthenticated, errors.TokenInvalid)
_SESSION_ID = "5b0c7a1e-2f3d-4e5a-8b6c-7d8e9f0a1b2c"


def _no_content(*, clear_cookie: bool = False) -> Response:
    response = Response(status=status.HTTP_204_NO_CONTENT)
    if clear_cookie and refresh_cookie_enabled():
        refresh_cookie_clear(response)
    return response


class TokenRefreshView(APIView):
    authentication_classes = ()
    permission_classes = ()

    @extend_schema(
        operation_id="auth_token_refresh",
        summary="Rotate a refresh token",
        description="Returns a new token pair in the same login session and retires the "
        "presented refresh token. Presenting a retired refresh token again (outside a short "
        "grace window for its immediate predecessor) revokes the whole session: `401 "
        "token_invalid`. Refused also for an inactive account and after a password change made "
        "in another session; a lockout does not end existing sessions.",
        request=TokenRefreshRequestSerializer,
        responses={
            200: TokenRefreshResponseSerializer,
            **problem_responses(
                errors.ValidationFailed,
                *BODY_ERRORS,
                errors.TokenInvalid,
                *RATE_ERRORS,
                examples={
                    errors.ValidationFailed: {"errors": {"refresh": ["This field is required."]}}
                },
            ),
        },
        examples=[
            OpenApiExample(
                "tokens",
                value={
                    "access": "eyJhbGciOi...",
                    "refresh": "eyJhbGciOi...",
                    "token_type": "Bearer",
                    "expires_in": 1800,
                },
                response_only=True,
            )
        ],
        tags=["tokens"],
    )
    def post(self, request: Request) -> Response:
        # First, before parsing: every attempt counts, refused ones included.
        rate_limit_enforce(
            request=request._request, group="auth.refresh", rate=settings.AUTH_REFRESH_RATE
        )
        payload = TokenRefreshRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        refresh = payload.validated_data.get("refresh") or refresh_from_cookie(request._request)
        if not refresh:
            raise errors.ValidationFailed(errors={"refresh": ["This field is required."]})
        tokens = services.token_refresh(refresh=refresh, request=request._request)
        response = Response(dict(tokens), headers=TOKEN_RESPONSE_HEADERS)
        if refresh_cookie_enabled():
            refresh_cookie_set(response, refresh=tokens["refresh"])
        return response


class LogoutView(APIView):
    @extend_schema(
        operation_id="auth_logout",
        summary="End a login session",
        description="Revokes the login session of `refresh` (or of the access token in use "
        "when no refresh token is sent): its refresh token and every access token of it stop "
        "working at once. Idempotent. A refresh token of another account is refused.",
        request=LogoutRequestSerializer,
        responses={
            204: OpenApiResponse(description="The session is revoked."),
            **problem_responses(
                errors.ValidationFailed,
                *BODY_ERRORS,
                *_AUTH_ERRORS,
                errors.PermissionDenied,
                examples={
                    errors.PermissionDenied: {
                        "detail": "This refresh token belongs to another account."
                    }
                },
            ),
        },
        tags=["tokens"],
    )
    def post(self, request: Request) -> Response:
        payload = LogoutRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        refresh = payload.validated_data.get("refresh") or refresh_from_cookie(request._request)
        services.user_logout(
            user=request_user(request),
            current_session_id=request_claims(request).sid,
            refresh=refresh,
            request=request._request,
        )
        return _no_content(clear_cookie=True)


class LogoutAllView(APIView):
    @extend_schema(
        operation_id="auth_logout_all",
        summary="End every login session of the user",
        description="Revokes every session of the user, this one included.",
        request=None,
        responses={
            204: OpenApiResponse(description="Every session is revoked."),
            **problem_responses(*_AUTH_ERRORS),
        },
        tags=["tokens"],
    )
    def post(self, request: Request) -> Response:
        services.user_logout_all(user=request_user(request), request=request._request)
        return _no_content(clear_cookie=True)


# Personal data: no shared or browser cache may keep it (ASVS 5.0 V14.3).
@method_decorator(never_cache, name="get")
class LoginSessionListView(APIView):
    @extend_schema(
        operation_id="auth_sessions_list",
        summary="The user's active login sessions",
        responses={200: LoginSessionListResponseSerializer, **problem_responses(*_AUTH_ERRORS)},
        examples=[
            OpenApiExample(
                "sessions",
                value={
                    "sessions": [
                        {
                            "id": _SESSION_ID,
                            "created_at": "2026-11-28T12:00:00Z",
                            "last_used_at": "2026-11-28T12:30:00Z",
                            "expires_at": "2026-12-05T12:30:00Z",
                            "ends_at": "2026-12-28T12:00:00Z",
                            "ip": "203.0.113.7",
                            "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
                            "amr": ["pwd", "otp", "mfa"],
                            "current": True,
                        }
                    ]
                },
                response_only=True,
            )
        ],
        tags=["tokens"],
    )
    def get(self, request: Request) -> Response:
        sessions = login_sessions_active(user=request_user(request))
        context = {"current_session_id": request_claims(request).sid}
        return Response(
            {"sessions": LoginSessionSerializer(sessions, many=True, context=context).data}
        )


class LoginSessionDetailView(APIView):
    @extend_schema(
        operation_id="auth_sessions_delete",
        summary="End one login session",
        description="Revokes one active session of the user. Another user's session, an "
        "unknown id and an already ended session are all `404 not_found`.",
        responses={
            204: OpenApiResponse(description="The session is revoked."),
            **problem_responses(*_AUTH_ERRORS, errors.NotFound),
        },
        tags=["tokens"],
    )
    def delete(self, request: Request, session_id: uuid.UUID) -> Response:
        services.user_session_delete(
            user=request_user(request), session_id=session_id, request=request._request
        )
        return _no_content()


class JwksView(APIView):
    authentication_classes = ()
    permission_classes = ()

    @extend_schema(
        operation_id="jwks",
        summary="Public keys that verify this service's tokens (JWK Set)",
        description="RFC 7517 JWK Set: the current signing key and retired keys whose tokens "
        "may still be unexpired. Select the key by the token's `kid` header.",
        responses={200: JsonWebKeySetSerializer},
        examples=[
            OpenApiExample(
                "jwks",
                value={
                    "keys": [
                        {
                            "kty": "EC",
                            "crv": "P-256",
                            "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                            "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
                            "kid": "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
                            "use": "sig",
                            "alg": "ES256",
                        }
                    ]
                },
                response_only=True,
            )
        ],
        tags=["tokens"],
    )
    def get(self, request: Request) -> Response:
        return Response(jwks_document(), headers={"Cache-Control": JWKS_CACHE_CONTROL})
