"""Registration and the authenticated user: parse, call one service, serialize."""

from django.conf import settings
from django.db import IntegrityError, transaction
from drf_spectacular.utils import OpenApiExample, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.recovery.services import email_verification_send
from accounts.tokens.responses import TOKEN_PAIR_EXAMPLE, token_pair_response
from accounts.tokens.serializers import TokenPairResponseSerializer
from accounts.users import services
from accounts.users.serializers import (
    MeResponseSerializer,
    RegisterRequestSerializer,
    UnverifiedRegistrationResponseSerializer,
)
from authsvc import exceptions as errors
from authsvc.openapi import BODY_ERRORS, RATE_ERRORS, problem_responses
from authsvc.ratelimit import rate_limit_enforce

PERSONAL_DATA_HEADERS = {"Cache-Control": "private, no-store"}
UNVERIFIED_REGISTRATION_EXAMPLE = OpenApiExample(
    "Registered, address to verify (AUTH_REQUIRE_VERIFIED_EMAIL=1)",
    value={
        "user": {
            "id": "3f2b7c1e-8a4d-4f6b-9c2e-1d5a7b9c0e3f",
            "username": "alice",
            "email": "alice@example.com",
            "date_joined": "2025-01-01T12:00:00Z",
            "last_login": None,
            "email_verified": False,
        },
        "verification_mail_sent": True,
    },
    response_only=True,
    status_codes=["201"],
)


class RegisterView(APIView):
    authentication_classes = ()
    permission_classes = ()

    @extend_schema(
        operation_id="auth_register",
        summary="Register an account",
        description="Creates an active account, queues a mail with a link that verifies "
        "its address (`AUTH_FRONTEND_URL/verify-email#token=<token>`) and returns a token "
        "pair. With `AUTH_REQUIRE_VERIFIED_EMAIL` on it returns the user and "
        "`verification_mail_sent` instead, no tokens: log in once the address is verified. "
        "Unknown fields are ignored. The password policy reports every rule that fails.",
        request=RegisterRequestSerializer,
        responses={
            201: PolymorphicProxySerializer(
                component_name="RegisterResponse",
                serializers=[TokenPairResponseSerializer, UnverifiedRegistrationResponseSerializer],
                resource_type_field_name=None,
            ),
            **problem_responses(
                errors.ValidationFailed,
                *BODY_ERRORS,
                errors.Conflict,
                *RATE_ERRORS,
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
        examples=[TOKEN_PAIR_EXAMPLE, UNVERIFIED_REGISTRATION_EXAMPLE],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        # First, before parsing or hashing: every attempt counts, refused ones included.
        rate_limit_enforce(
            request=request._request, group="auth.register", rate=settings.AUTH_REGISTER_RATE
        )
        payload = RegisterRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        # One transaction for the account, its audit row, the verification mail and the login
        # session: one commit (a WAL flush) instead of six, and none of them without the rest.
        try:
            with transaction.atomic():
                user = services.user_register(request=request._request, **payload.validated_data)
                sent = email_verification_send(
                    user=user, request=request._request, just_registered=True
                )
                if settings.AUTH_REQUIRE_VERIFIED_EMAIL:
                    body = {"user": user, "verification_mail_sent": sent}
                    return Response(
                        UnverifiedRegistrationResponseSerializer(body).data,
                        status=status.HTTP_201_CREATED,
                    )
                return token_pair_response(request, user, status.HTTP_201_CREATED)
        except IntegrityError as exc:
            # A concurrent registration took the name or address after the check in
            # user_register: the constraints decided, and all of this one was rolled back.
            raise services.registration_conflict(
                username=payload.validated_data["username"],
                email=payload.validated_data["email"],
                error=exc,
            ) from exc


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
        # Personal data: no shared or browser cache may keep it (ASVS 5.0 V14.3). One
        # constant header: never_cache's date formatting was 6 % of this request.
        return Response(MeResponseSerializer(request.user).data, headers=PERSONAL_DATA_HEADERS)
