"""Second-factor endpoints: enrolment and removal (Bearer), and the login's second stage."""

from django.conf import settings
from django.db import transaction
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.login.devices import device_token_attach
from accounts.login.serializers import LoginResponseSerializer
from accounts.mfa import services
from accounts.mfa.selectors import mfa_status
from accounts.mfa.serializers import (
    MfaLoginRequestSerializer,
    MfaStatusSerializer,
    RecoveryCodesResponseSerializer,
    SecondFactorRequestSerializer,
    TotpCodeRequestSerializer,
    TotpConfirmResponseSerializer,
    TotpEnrolRequestSerializer,
    TotpEnrolResponseSerializer,
)
from accounts.passkeys import services as passkey_services
from accounts.passkeys.serializers import (
    PasskeyMfaOptionsRequestSerializer,
    PasskeyOptionsResponseSerializer,
)
from accounts.tokens.authentication import request_user
from accounts.tokens.responses import (
    TOKEN_PAIR_EXAMPLE,
    TOKEN_RESPONSE_HEADERS,
    token_pair_response,
)
from authsvc import exceptions as errors
from authsvc.openapi import BODY_ERRORS, RATE_ERRORS, problem_responses
from authsvc.ratelimit import rate_limit_enforce

_AUTH_ERRORS = (errors.NotAuthenticated, errors.TokenInvalid)
# A second factor is a secret like a password: every endpoint that checks one is limited
# per client IP by AUTH_LOGIN_RATE, and each wrong one counts toward the account's lockout.
_FACTOR_ERRORS = (
    errors.MfaCodeInvalid,
    errors.AccountLocked,
    errors.AccountLockedUntilReset,
    *RATE_ERRORS,
)
_RECOVERY_CODES = [f"{n}abc-def{n}-gh{n}j-km{n}p" for n in range(2, 10)] + [
    "q7rs-t8vw-xy9z-0123",
    "4567-89ab-cdef-ghjk",
]
_CODE_WRONG = {"detail": "The code is wrong, expired or already used."}


def _factor_rate_limit(request: Request) -> None:
    rate_limit_enforce(request=request._request, group="auth.mfa", rate=settings.AUTH_LOGIN_RATE)


class MfaStatusView(APIView):
    @extend_schema(
        operation_id="auth_mfa_status",
        summary="Second-factor status",
        description="Whether TOTP is on (and since when) and how many recovery codes are left.",
        responses={200: MfaStatusSerializer, **problem_responses(*_AUTH_ERRORS)},
        examples=[
            OpenApiExample(
                "on",
                value={
                    "totp": {"enabled": True, "confirmed_at": "2026-12-01T09:30:00Z"},
                    "recovery_codes": {"remaining": 9},
                },
                response_only=True,
            )
        ],
        tags=["mfa"],
    )
    def get(self, request: Request) -> Response:
        found = mfa_status(user=request_user(request))
        return Response(
            MfaStatusSerializer(
                {
                    "totp": {
                        "enabled": found.totp_enabled,
                        "confirmed_at": found.totp_confirmed_at,
                    },
                    "recovery_codes": {"remaining": found.recovery_codes_remaining},
                }
            ).data,
            headers={"Cache-Control": "no-store"},
        )


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class TotpView(APIView):
    @extend_schema(
        operation_id="auth_mfa_totp_enrol",
        summary="Start TOTP enrolment",
        description="Checks `current_password` and answers a new secret, its `otpauth://` URI "
        "and the QR code of it as an inline SVG (drawn by the service; no image service sees "
        "the secret). TOTP stays off until `POST /mfa/totp/confirm` with a first code; "
        "calling this again replaces a pending secret. `409 conflict` when TOTP is already on. "
        "Attempts count against `AUTH_LOGIN_RATE` per client IP (429).",
        request=TotpEnrolRequestSerializer,
        responses={
            200: TotpEnrolResponseSerializer,
            **problem_responses(
                errors.ValidationFailed,
                *BODY_ERRORS,
                *_AUTH_ERRORS,
                errors.Conflict,
                *RATE_ERRORS,
                examples={
                    errors.ValidationFailed: {
                        "errors": {"current_password": ["The current password is incorrect."]}
                    },
                    errors.Conflict: {
                        "detail": "TOTP is already on; turn it off first to enrol another "
                        "authenticator."
                    },
                },
            ),
        },
        examples=[
            OpenApiExample(
                "pending",
                value={
                    "secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
                    "otpauth_uri": "otpauth://totp/authsvc%3Aalice%40example.com?secret="
                    "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=authsvc&algorithm=SHA1&digits=6"
                    "&period=30",
                    "qr_svg": '<svg width="196" height="196" class="segno">…</svg>',
                },
                response_only=True,
            )
        ],
        tags=["mfa"],
    )
    def post(self, request: Request) -> Response:
        _factor_rate_limit(request)
        payload = TotpEnrolRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        enrolment = services.totp_enrol_begin(
            user=request_user(request), request=request._request, **payload.validated_data
        )
        return Response(TotpEnrolResponseSerializer(enrolment).data, headers=TOKEN_RESPONSE_HEADERS)

    @extend_schema(
        operation_id="auth_mfa_totp_disable",
        summary="Turn TOTP off",
        description='Needs a fresh second factor: `{"code"}` from the app or '
        '`{"recovery_code"}`, so a stolen access token alone cannot turn it off. The '
        "recovery codes go too. `409 conflict` when TOTP is not on.",
        request=SecondFactorRequestSerializer,
        responses={
            204: OpenApiResponse(description="TOTP and the recovery codes are off."),
            **problem_responses(
                errors.ValidationFailed,
                *BODY_ERRORS,
                *_AUTH_ERRORS,
                errors.Conflict,
                *_FACTOR_ERRORS,
                examples={
                    errors.MfaCodeInvalid: _CODE_WRONG,
                    errors.ValidationFailed: {
                        "errors": {
                            "non_field_errors": ["Send exactly one of code and recovery_code."]
                        }
                    },
                },
            ),
        },
        examples=[OpenApiExample("code", value={"code": "492039"}, request_only=True)],
        tags=["mfa"],
    )
    def delete(self, request: Request) -> Response:
        _factor_rate_limit(request)
        payload = SecondFactorRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.totp_disable(
            user=request_user(request), request=request._request, **payload.validated_data
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class TotpConfirmView(APIView):
    @extend_schema(
        operation_id="auth_mfa_totp_confirm",
        summary="Turn TOTP on with a first code",
        description="Checks a code of the pending secret. On success TOTP is on, the ten "
        "recovery codes are shown (this once), every session of the account ends (none of "
        "them proved the second factor) and the caller gets a new session whose tokens carry "
        '`amr` `["pwd", "otp", "mfa"]`. A wrong code is `400 mfa_code_invalid` and '
        "counts toward the account's lockout; `409 conflict` when no enrolment is pending.",
        request=TotpCodeRequestSerializer,
        responses={
            200: TotpConfirmResponseSerializer,
            **problem_responses(
                errors.ValidationFailed,
                *BODY_ERRORS,
                *_AUTH_ERRORS,
                errors.Conflict,
                *_FACTOR_ERRORS,
                examples={errors.MfaCodeInvalid: _CODE_WRONG},
            ),
        },
        examples=[
            OpenApiExample("code", value={"code": "492039"}, request_only=True),
            OpenApiExample(
                "on",
                value={"recovery_codes": _RECOVERY_CODES, **TOKEN_PAIR_EXAMPLE.value},
                response_only=True,
            ),
        ],
        tags=["mfa"],
    )
    def post(self, request: Request) -> Response:
        _factor_rate_limit(request)
        payload = TotpCodeRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = request_user(request)
        codes = services.totp_enrol_confirm(
            user=user, request=request._request, **payload.validated_data
        )
        return token_pair_response(
            request,
            user,
            status.HTTP_200_OK,
            amr=services.AMR_TOTP,
            extra={"recovery_codes": codes},
        )


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class RecoveryCodesView(APIView):
    @extend_schema(
        operation_id="auth_mfa_recovery_codes_regenerate",
        summary="New recovery codes",
        description="Given a TOTP code, ten new recovery codes (shown this once); the old set "
        "stops working. `409 conflict` when TOTP is not on.",
        request=TotpCodeRequestSerializer,
        responses={
            200: RecoveryCodesResponseSerializer,
            **problem_responses(
                errors.ValidationFailed,
                *BODY_ERRORS,
                *_AUTH_ERRORS,
                errors.Conflict,
                *_FACTOR_ERRORS,
                examples={errors.MfaCodeInvalid: _CODE_WRONG},
            ),
        },
        examples=[
            OpenApiExample("codes", value={"recovery_codes": _RECOVERY_CODES}, response_only=True)
        ],
        tags=["mfa"],
    )
    def post(self, request: Request) -> Response:
        _factor_rate_limit(request)
        payload = TotpCodeRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        codes = services.recovery_codes_regenerate(
            user=request_user(request), request=request._request, **payload.validated_data
        )
        return Response({"recovery_codes": codes}, headers=TOKEN_RESPONSE_HEADERS)


# The lockout counter must outlive a rolled-back request transaction, as at the password.
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class LoginMfaView(APIView):
    authentication_classes = ()
    permission_classes = ()

    @extend_schema(
        operation_id="auth_login_mfa",
        summary="Log in: the second factor",
        description="Trades the `mfa_token` of a `401 mfa_required` login and a second factor "
        "(`code` from the authenticator app, a `recovery_code`, or a passkey: `challenge_id` "
        "from `POST /login/mfa/passkey/options` with the `credential` "
        "`navigator.credentials.get()` answered) for the usual token response. Its tokens' "
        '`amr` says how: `["pwd", "otp", "mfa"]`, `["pwd", "mfa", "recovery_code"]` or '
        '`["pwd", "hwk", "mfa"]`. A wrong code or passkey answer (a used or expired passkey '
        "challenge included) is `401 mfa_code_invalid` and counts toward the account's "
        "lockout like a wrong password (423 once locked); one `mfa_token` allows 5 tries and "
        "lives `AUTH_MFA_TOKEN_TTL` seconds (300), after which, or once used, it is "
        "`401 token_invalid`: log in with the password again.",
        request=MfaLoginRequestSerializer,
        responses={
            200: LoginResponseSerializer,
            **problem_responses(
                errors.ValidationFailed,
                *BODY_ERRORS,
                errors.MfaLoginCodeInvalid,
                errors.TokenInvalid,
                errors.AccountLocked,
                errors.AccountLockedUntilReset,
                *RATE_ERRORS,
                examples={
                    errors.TokenInvalid: {
                        "detail": "The mfa_token is invalid, expired, used up or already used."
                    }
                },
            ),
        },
        examples=[
            OpenApiExample(
                "code", value={"mfa_token": "q3V…", "code": "492039"}, request_only=True
            ),
            OpenApiExample(
                "recovery code",
                value={"mfa_token": "q3V…", "recovery_code": "7k2m-x9qp-4hcd-e8tw"},
                request_only=True,
            ),
            OpenApiExample(
                "passkey",
                value={
                    "mfa_token": "q3V…",
                    "challenge_id": "5b0f3c1e-8a7d-4d2b-9c61-0e4f7a2b9d13",
                    "credential": {
                        "id": "hmBv3QmuK0Oe2G5l8kCGUw",
                        "rawId": "hmBv3QmuK0Oe2G5l8kCGUw",
                        "type": "public-key",
                        "response": {
                            "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0Iiwi…",
                            "authenticatorData": "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVz…",
                            "signature": "MEUCIQD…",
                        },
                    },
                },
                request_only=True,
            ),
            TOKEN_PAIR_EXAMPLE,
        ],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        rate_limit_enforce(
            request=request._request, group="auth.login", rate=settings.AUTH_LOGIN_RATE
        )
        payload = MfaLoginRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if "credential" in payload.validated_data:
            user, amr = passkey_services.passkey_mfa_login_complete(
                request=request._request, **payload.validated_data
            )
        else:
            user, amr = services.mfa_login_complete(
                request=request._request, **payload.validated_data
            )
        response = token_pair_response(request, user, status.HTTP_200_OK, amr=amr)
        device_token_attach(response, user=user)
        return response


class LoginMfaPasskeyOptionsView(APIView):
    authentication_classes = ()
    permission_classes = ()

    @extend_schema(
        operation_id="auth_login_mfa_passkey_options",
        summary="Log in: passkey options for the second factor",
        description="Request options for `navigator.credentials.get()` that allow only the "
        "passkeys of the account behind `mfa_token` (offered when `methods` of the "
        "`mfa_required` problem lists `passkey`). Uses none of the token's 5 tries; the "
        "challenge is bound to this pending login and good for one `POST /login/mfa` within "
        "300 s. `401 token_invalid` for an `mfa_token` that is unknown, used, expired or out "
        "of tries; `409 conflict` when the account has no passkey. At most "
        "`AUTH_PASSKEY_RATE` per client IP (429).",
        request=PasskeyMfaOptionsRequestSerializer,
        responses={
            200: PasskeyOptionsResponseSerializer,
            **problem_responses(
                errors.ValidationFailed,
                *BODY_ERRORS,
                errors.TokenInvalid,
                errors.Conflict,
                *RATE_ERRORS,
                examples={
                    errors.TokenInvalid: {
                        "detail": "The mfa_token is invalid, expired, used up or already used."
                    },
                    errors.Conflict: {"detail": "This account has no passkey."},
                },
            ),
        },
        examples=[
            OpenApiExample("mfa token", value={"mfa_token": "q3V…"}, request_only=True),
            OpenApiExample(
                "options",
                value={
                    "challenge_id": "5b0f3c1e-8a7d-4d2b-9c61-0e4f7a2b9d13",
                    "options": {
                        "rpId": "example.com",
                        "challenge": "Xb1pK3q…",
                        "timeout": 300000,
                        "allowCredentials": [
                            {"id": "hmBv3QmuK0Oe2G5l8kCGUw", "type": "public-key"}
                        ],
                        "userVerification": "preferred",
                    },
                },
                response_only=True,
            ),
        ],
        tags=["passkeys"],
    )
    def post(self, request: Request) -> Response:
        rate_limit_enforce(
            request=request._request, group="auth.passkey.mfa", rate=settings.AUTH_PASSKEY_RATE
        )
        payload = PasskeyMfaOptionsRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        found = passkey_services.passkey_mfa_begin(**payload.validated_data)
        return Response(
            PasskeyOptionsResponseSerializer(found).data, headers={"Cache-Control": "no-store"}
        )
