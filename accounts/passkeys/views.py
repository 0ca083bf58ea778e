"""Passkey endpoints: registration and management (Bearer), and the usernameless login."""

from django.conf import settings
from django.db import transaction
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.login.serializers import LoginResponseSerializer
from accounts.passkeys import services
from accounts.passkeys.selectors import passkeys_of
from accounts.passkeys.serializers import (
    PasskeyListResponseSerializer,
    PasskeyLoginRequestSerializer,
    PasskeyOptionsResponseSerializer,
    PasskeyRegisterRequestSerializer,
    PasskeyRenameRequestSerializer,
    PasskeySerializer,
)
from accounts.tokens.authentication import request_user
from accounts.tokens.responses import (
    TOKEN_PAIR_EXAMPLE,
    token_pair_response,
)
from authsvc import exceptions as errors
from authsvc.openapi import BODY_ERRORS, RATE_ERRORS, problem_responses
from authsvc.ratelimit import rate_limit_enforce

_AUTH_ERRORS = (errors.NotAuthenticated, errors.TokenInvalid)
_CHALLENGE_ID = "5b0f3c1e-8a7d-4d2b-9c61-0e4f7a2b9d13"
_PASSKEY = {
    "id": 7,
    "name": "MacBook",
    "created_at": "2026-12-01T09:30:00Z",
    "last_used_at": "2026-12-05T18:02:11Z",
}
_CREATION_OPTIONS = {
    "rp": {"name": "authsvc", "id": "example.com"},
    "user": {"id": "P45qUp0LTB6KVy9LbI0OGg", "name": "alice", "displayName": "alice"},
    "challenge": "kY2Zx0nW…",
    "pubKeyCredParams": [{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257}],
    "timeout": 300000,
    "excludeCredentials": [{"id": "hmBv3QmuK0Oe2G5l8kCGUw", "type": "public-key"}],
    "authenticatorSelection": {
        "residentKey": "required",
        "requireResidentKey": True,
        "userVerification": "preferred",
    },
    "attestation": "none",
}
_REQUEST_OPTIONS = {
    "rpId": "example.com",
    "challenge": "Xb1pK3q…",
    "timeout": 300000,
    "allowCredentials": [],
    "userVerification": "preferred",
}
_MALFORMED = {
    "errors": {
        "credential": [
            "Not a credential in the JSON form of PublicKeyCredential.toJSON(): Credential "
            "missing required rawId"
        ]
    }
}


def _options_response(found: services.CeremonyOptions) -> Response:
    body = PasskeyOptionsResponseSerializer(found).data
    return Response(body, headers={"Cache-Control": "no-store"})


class PasskeyRegisterOptionsView(APIView):
    @extend_schema(
        operation_id="auth_passkeys_register_options",
        summary="Start registering a passkey",
        description="Creation options for `navigator.credentials.create()`: a discoverable "
        "credential (resident key required, so it can log in without a username), user "
        "verification preferred, no attestation, the account's passkeys in "
        "`excludeCredentials`. The challenge behind `challenge_id` is good for one "
        "`POST /passkeys/register/verify` by this account within 300 s.",
        request=None,
        responses={200: PasskeyOptionsResponseSerializer, **problem_responses(*_AUTH_ERRORS)},
        examples=[
            OpenApiExample(
                "options",
                value={"challenge_id": _CHALLENGE_ID, "options": _CREATION_OPTIONS},
                response_only=True,
            )
        ],
        tags=["passkeys"],
    )
    def post(self, request: Request) -> Response:
        return _options_response(services.passkey_register_begin(user=request_user(request)))


class PasskeyRegisterVerifyView(APIView):
    @extend_schema(
        operation_id="auth_passkeys_register_verify",
        summary="Finish registering a passkey",
        description="Stores the credential `navigator.credentials.create()` answered, after "
        "py_webauthn checked it against the challenge, this service's relying party id "
        "(`AUTH_WEBAUTHN_RP_ID`) and origins (`AUTH_WEBAUTHN_ORIGINS`). The challenge is "
        "used up by the attempt, whatever its outcome. `400 challenge_invalid` for a "
        "challenge that is unknown, used, expired (300 s) or not this account's "
        "registration; `400 validation_error` for a malformed credential or one that fails "
        "verification; `409 conflict` when the credential is already registered.",
        request=PasskeyRegisterRequestSerializer,
        responses={
            201: PasskeySerializer,
            **problem_responses(
                errors.ValidationFailed,
                errors.PasskeyChallengeInvalid,
                *BODY_ERRORS,
                *_AUTH_ERRORS,
                errors.Conflict,
                examples={
                    errors.ValidationFailed: _MALFORMED,
                    errors.Conflict: {"detail": "This passkey is already registered."},
                },
            ),
        },
        examples=[OpenApiExample("passkey", value=_PASSKEY, response_only=True)],
        tags=["passkeys"],
    )
    def post(self, request: Request) -> Response:
        payload = PasskeyRegisterRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        passkey = services.passkey_register_complete(
            user=request_user(request), request=request._request, **payload.validated_data
        )
        return Response(PasskeySerializer(passkey).data, status=status.HTTP_201_CREATED)


class PasskeyListView(APIView):
    @extend_schema(
        operation_id="auth_passkeys_list",
        summary="List your passkeys",
        description="The account's passkeys, oldest first. Nothing secret: the service keeps "
        "only public keys.",
        responses={200: PasskeyListResponseSerializer, **problem_responses(*_AUTH_ERRORS)},
        examples=[OpenApiExample("list", value={"passkeys": [_PASSKEY]}, response_only=True)],
        tags=["passkeys"],
    )
    def get(self, request: Request) -> Response:
        found = passkeys_of(user=request_user(request))
        return Response(PasskeyListResponseSerializer({"passkeys": found}).data)


class PasskeyDetailView(APIView):
    @extend_schema(
        operation_id="auth_passkeys_rename",
        summary="Rename a passkey",
        description="Another account's passkey id is `404 not_found`, as an unknown one is.",
        request=PasskeyRenameRequestSerializer,
        responses={
            200: PasskeySerializer,
            **problem_responses(
                errors.ValidationFailed, *BODY_ERRORS, *_AUTH_ERRORS, errors.NotFound
            ),
        },
        examples=[
            OpenApiExample("name", value={"name": "MacBook"}, request_only=True),
            OpenApiExample("passkey", value=_PASSKEY, response_only=True),
        ],
        tags=["passkeys"],
    )
    def patch(self, request: Request, passkey_id: int) -> Response:
        payload = PasskeyRenameRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        passkey = services.passkey_rename(
            user=request_user(request), passkey_id=passkey_id, **payload.validated_data
        )
        return Response(PasskeySerializer(passkey).data)

    @extend_schema(
        operation_id="auth_passkeys_delete",
        summary="Delete a passkey",
        description="The passkey stops working at once. The last passkey of an account with "
        "no usable password and no TOTP is `409 conflict`: it is the only way in. Another "
        "account's passkey id is `404 not_found`.",
        request=None,
        responses={
            204: OpenApiResponse(description="Deleted."),
            **problem_responses(
                *_AUTH_ERRORS,
                errors.NotFound,
                errors.Conflict,
                examples={
                    errors.Conflict: {
                        "detail": "This is the account's only way to log in: set a password "
                        "or add another passkey first."
                    }
                },
            ),
        },
        tags=["passkeys"],
    )
    def delete(self, request: Request, passkey_id: int) -> Response:
        services.passkey_delete(
            user=request_user(request), passkey_id=passkey_id, request=request._request
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasskeyLoginOptionsView(APIView):
    authentication_classes = ()
    permission_classes = ()

    @extend_schema(
        operation_id="auth_passkeys_login_options",
        summary="Start a passkey login",
        description="Request options for `navigator.credentials.get()` with an empty "
        "`allowCredentials`: the browser offers the passkeys it holds for this site, no "
        "username needed. The challenge is good for one `POST /passkeys/login/verify` "
        "within 300 s. At most `AUTH_PASSKEY_RATE` per client IP (429 with `Retry-After`).",
        request=None,
        responses={200: PasskeyOptionsResponseSerializer, **problem_responses(*RATE_ERRORS)},
        examples=[
            OpenApiExample(
                "options",
                value={"challenge_id": _CHALLENGE_ID, "options": _REQUEST_OPTIONS},
                response_only=True,
            )
        ],
        tags=["passkeys"],
    )
    def post(self, request: Request) -> Response:
        rate_limit_enforce(
            request=request._request, group="auth.passkey", rate=settings.AUTH_PASSKEY_RATE
        )
        return _options_response(services.passkey_login_begin())


# Failure audit rows must outlive a rolled-back request transaction.
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class PasskeyLoginVerifyView(APIView):
    authentication_classes = ()
    permission_classes = ()

    @extend_schema(
        operation_id="auth_passkeys_login_verify",
        summary="Log in with a passkey",
        description="Trades the answer of `navigator.credentials.get()` for the usual token "
        'response. Its tokens\' `amr` (RFC 8176) is `["hwk", "user"]` when the '
        'authenticator verified its user (PIN, biometrics), `["hwk"]` when it only saw '
        "presence. No second factor follows, even with TOTP on: a passkey cannot be "
        "phished and is bound to a device. Every refusal (unknown or deleted passkey, bad "
        "signature, wrong origin or relying party, a sign count that went backwards, an "
        "inactive account) is `401 invalid_credentials`; the challenge is used up by the "
        "attempt. `400 challenge_invalid` for a challenge that is unknown, used, expired or "
        "of another ceremony: ask for new options. With `AUTH_REQUIRE_VERIFIED_EMAIL` on, an "
        "account whose address is not verified is `403 email_unverified`, as at `/login`.",
        request=PasskeyLoginRequestSerializer,
        responses={
            200: LoginResponseSerializer,
            **problem_responses(
                errors.ValidationFailed,
                errors.PasskeyChallengeInvalid,
                *BODY_ERRORS,
                errors.InvalidCredentials,
                errors.EmailUnverified,
                examples={errors.ValidationFailed: _MALFORMED},
            ),
        },
        examples=[TOKEN_PAIR_EXAMPLE],
        tags=["passkeys"],
    )
    def post(self, request: Request) -> Response:
        payload = PasskeyLoginRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user, amr = services.passkey_login_complete(
            request=request._request, **payload.validated_data
        )
        return token_pair_response(request, user, status.HTTP_200_OK, amr=amr)
