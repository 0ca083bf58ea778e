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
    EmailChangeRequestSerializer,
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
CHANGE_ACCEPTED = "A mail with a confirmation link is on its way to the new address."
RESEND_ACCEPTED = "Unless the address is already verified, a verification mail is on its way."
# The 400 of a token endpoint whose body lacks the token; a wrong token is token_invalid.
TOKEN_MISSING = {"errors": {"token": ["This field is required."]}}


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
            **problem_responses(
                errors.ValidationFailed,
                *BODY_ERRORS,
                *RATE_ERRORS,
                examples={
                    errors.ValidationFailed: {"errors": {"email": ["Enter a valid email address."]}}
                },
            ),
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
            **problem_responses(
                errors.ValidationFailed,
                errors.RecoveryTokenInvalid,
                *BODY_ERRORS,
                examples={errors.ValidationFailed: TOKEN_MISSING},
            ),
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


class EmailChangeView(APIView):
    @extend_schema(
        operation_id="auth_email_change",
        summary="Ask to move the account to a new email address",
        description="Checks `current_password` (attempts count against `AUTH_LOGIN_RATE` "
        "per client IP, like password change) and mails the new address a link to "
        "`AUTH_FRONTEND_URL/confirm-email#token=<token>` with the token in the text. The "
        "address changes only when that token is confirmed. A wrong current password is "
        "`400 validation_error` on `current_password`, the account's own address `400 "
        "validation_error` on `new_email`; an address of another account is `409 conflict`. "
        "At most `AUTH_PASSWORD_RESET_MAX_MAILS` change mails an hour per account (past "
        "that still `202`, but no mail).",
        request=EmailChangeRequestSerializer,
        responses={
            202: AcceptedResponseSerializer,
            **problem_responses(
                errors.ValidationFailed,
                *BODY_ERRORS,
                errors.NotAuthenticated,
                errors.TokenInvalid,
                errors.Conflict,
                *RATE_ERRORS,
                examples={
                    errors.ValidationFailed: {
                        "errors": {"current_password": ["The current password is incorrect."]}
                    },
                    errors.Conflict: {
                        "detail": "This email is already taken.",
                        "errors": {"new_email": ["This email is already taken."]},
                    },
                },
            ),
        },
        examples=[
            OpenApiExample(
                "Accepted",
                value={"detail": CHANGE_ACCEPTED},
                response_only=True,
                status_codes=["202"],
            )
        ],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        # Before any hashing: each attempt is a guess at the password, as in password change.
        rate_limit_enforce(
            request=request._request, group="auth.email_change", rate=settings.AUTH_LOGIN_RATE
        )
        payload = EmailChangeRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.email_change_request(
            user=request_user(request), request=request._request, **payload.validated_data
        )
        return Response({"detail": CHANGE_ACCEPTED}, status=status.HTTP_202_ACCEPTED)


class EmailChangeConfirmView(APIView):
    authentication_classes = ()
    permission_classes = ()

    @extend_schema(
        operation_id="auth_email_change_confirm",
        summary="Confirm a new email address with the mailed token",
        description="Moves the account to the new address, which counts as verified; the "
        "old address is mailed a notice, and tokens mailed to it (password reset, "
        "verification) stop working. `409 conflict` when another account took the address "
        "meanwhile; a used, expired, malformed or forged token is `400 token_invalid`.",
        request=EmailVerifyRequestSerializer,
        responses={
            204: OpenApiResponse(description="The address is changed."),
            **problem_responses(
                errors.ValidationFailed,
                errors.RecoveryTokenInvalid,
                *BODY_ERRORS,
                errors.Conflict,
                examples={
                    errors.ValidationFailed: TOKEN_MISSING,
                    errors.Conflict: {
                        "detail": "This email is already taken.",
                        "errors": {"new_email": ["This email is already taken."]},
                    },
                },
            ),
        },
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        payload = EmailVerifyRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.email_change_confirm(request=request._request, **payload.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)
