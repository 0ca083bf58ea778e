"""Recovery endpoints: rate limit, parse, call one service, answer."""

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.recovery import services
from accounts.recovery.serializers import (
    AcceptedResponseSerializer,
    EmailVerifyRequestSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
)
from accounts.tokens.authentication import request_user
from authsvc import exceptions as errors
from authsvc.openapi import BODY_ERRORS, RATE_ERRORS, problem_responses
from authsvc.ratelimit import rate_limit_enforce

RESET_ACCEPTED = (
    "If an active account has this address, a mail with a password reset link is on its way."
)
RESEND_ACCEPTED = "Unless the address is already verified, a verification mail is on its way."


class PasswordResetView(APIView):
    authentication_classes = ()
    permission_classes = ()

    @extend_schema(
        operation_id="auth_password_reset",
        summary="Mail a password reset link",
        description="Always `202` with the same body, whether the address belongs to an "
        "active account, an inactive one or none: the answer reveals nothing. For an active "
        "account a mail is queued (never sent during the request) with a link to "
        "`AUTH_FRONTEND_URL/reset-password#token=<token>` and the token itself. At most "
        "`AUTH_PASSWORD_RESET_RATE` requests per client IP (429), and at most "
        "`AUTH_PASSWORD_RESET_MAX_MAILS` mails per account an hour (past that still `202`, "
        "but no mail).",
        request=PasswordResetRequestSerializer,
        responses={
            202: AcceptedResponseSerializer,
            **problem_responses(errors.ValidationFailed, *BODY_ERRORS, *RATE_ERRORS),
        },
        examples=[
            OpenApiExample(
                "Accepted",
                value={"detail": RESET_ACCEPTED},
                response_only=True,
                status_codes=["202"],
            )
        ],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        # First, before parsing: every request counts, refused ones included.
        rate_limit_enforce(
            request=request._request,
            group="auth.password_reset",
            rate=settings.AUTH_PASSWORD_RESET_RATE,
        )
        payload = PasswordResetRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.password_reset_request(request=request._request, **payload.validated_data)
        return Response({"detail": RESET_ACCEPTED}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(APIView):
    authentication_classes = ()
    permission_classes = ()

    @extend_schema(
        operation_id="auth_password_reset_confirm",
        summary="Set a new password with a mailed reset token",
        description="Applies the registration password rules to `new_password` (every "
        "failing rule listed; the token stays usable). Success ends every session of the "
        "account, clears its lockout and mails the owner a notice; it does not log in. A "
        "used, expired, malformed or forged token is `400 token_invalid`; of two concurrent "
        "confirms with one token exactly one succeeds.",
        request=PasswordResetConfirmSerializer,
        responses={
            204: OpenApiResponse(description="The password is changed; log in with it."),
            **problem_responses(
                errors.ValidationFailed,
                errors.RecoveryTokenInvalid,
                *BODY_ERRORS,
                examples={
                    errors.ValidationFailed: {
                        "errors": {
                            "new_password": ["The password must contain at least one digit."]
                        }
                    }
                },
            ),
        },
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        payload = PasswordResetConfirmSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.password_reset_confirm(request=request._request, **payload.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailVerifyView(APIView):
    authentication_classes = ()
    permission_classes = ()

    @extend_schema(
        operation_id="auth_email_verify",
        summary="Verify the email address with a mailed token",
        description="The token comes from the verification mail (registration, or "
        "`/email/verify/resend`); it lives `AUTH_EMAIL_VERIFY_TTL` seconds and works once. "
        "A POST, never a GET: mail scanners that open links cannot use it up. A used, "
        "expired, malformed or forged token, or one mailed to an address the account no "
        "longer has, is `400 token_invalid`.",
        request=EmailVerifyRequestSerializer,
        responses={
            204: OpenApiResponse(description="The address is verified."),
            **problem_responses(errors.ValidationFailed, errors.RecoveryTokenInvalid, *BODY_ERRORS),
        },
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        payload = EmailVerifyRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.email_verify(request=request._request, **payload.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailVerifyResendView(APIView):
    @extend_schema(
        operation_id="auth_email_verify_resend",
        summary="Mail a new verification link",
        description="Always `202` for an authenticated user: an address already verified "
        "gets no mail. Limited like password reset requests: `AUTH_PASSWORD_RESET_RATE` per "
        "client IP (429), at most `AUTH_PASSWORD_RESET_MAX_MAILS` mails an hour per account.",
        request=None,
        responses={
            202: AcceptedResponseSerializer,
            **problem_responses(errors.NotAuthenticated, errors.TokenInvalid, *RATE_ERRORS),
        },
        examples=[
            OpenApiExample(
                "Accepted",
                value={"detail": RESEND_ACCEPTED},
                response_only=True,
                status_codes=["202"],
            )
        ],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        rate_limit_enforce(
            request=request._request,
            group="auth.email_verify_resend",
            rate=settings.AUTH_PASSWORD_RESET_RATE,
        )
        services.email_verification_send(user=request_user(request), request=request._request)
        return Response({"detail": RESEND_ACCEPTED}, status=status.HTTP_202_ACCEPTED)
