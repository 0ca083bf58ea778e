"""The login endpoint (rate limit, parse, call the login service, answer with tokens), and
the admin's login page under the same guards."""

from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.audit.services import AuditAction, AuditStatus, audit_record
from accounts.login import services
from accounts.login.devices import device_token_attach
from accounts.login.lockout import login_lockout_key
from accounts.login.serializers import LoginRequestSerializer, LoginResponseSerializer
from accounts.mfa.admin import admin_mfa_verified
from accounts.mfa.selectors import mfa_enabled
from accounts.mfa.services import AMR_TOTP, mfa_login_begin
from accounts.passkeys.selectors import passkeys_exist
from accounts.tokens.responses import TOKEN_PAIR_EXAMPLE, token_pair_response
from authsvc import exceptions as errors
from authsvc.openapi import BODY_ERRORS, RATE_ERRORS, problem_responses
from authsvc.problems import problem_response
from authsvc.ratelimit import rate_limit_enforce


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
        "failures (423, even with the right password); both carry `Retry-After`. After "
        "`AUTH_LOCKOUT_HARD_LIMIT` failures without a success the lock does not end by "
        "itself: the 423 has no `Retry-After` and `unlock` lists the ways out "
        "(`password_reset`, `admin`). With `AUTH_REQUIRE_VERIFIED_EMAIL` on, the right "
        "password for an account whose address is not verified is `403 email_unverified`. "
        "For an account with a second factor the right password issues nothing: "
        "`401 mfa_required` carries an `mfa_token` and the `methods` the account can use; "
        "send them to `POST /login/mfa` (docs/mfa.md). The tokens' `amr` claim (RFC 8176) is "
        '`["pwd"]` after a password alone.',
        request=LoginRequestSerializer,
        responses={
            200: LoginResponseSerializer,
            **problem_responses(
                errors.ValidationFailed,
                *BODY_ERRORS,
                errors.InvalidCredentials,
                errors.MfaRequired,
                errors.EmailUnverified,
                errors.AccountLocked,
                errors.AccountLockedUntilReset,
                *RATE_ERRORS,
                examples={
                    errors.MfaRequired: {
                        "mfa_token": "q3VYcQ0cN1oXkqk1b0bY7Jx2mC8f3ZsH1lHn0aUu5Ew",
                        "methods": ["totp", "recovery_code"],
                    }
                },
            ),
        },
        examples=[TOKEN_PAIR_EXAMPLE],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        # First, before parsing or hashing: every attempt counts, refused ones included.
        rate_limit_enforce(
            request=request._request, group="auth.login", rate=settings.AUTH_LOGIN_RATE
        )
        payload = LoginRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        credentials = dict(payload.validated_data)
        # Read by the lockout (accounts.login.devices), which sees only the Django request.
        request._request.login_device_token = credentials.pop("device_token", None)  # type: ignore[attr-defined]
        user = services.user_password_check(request=request._request, **credentials)
        if mfa_enabled(user=user):
            mfa_login_begin(
                user=user,
                lockout_key=login_lockout_key(credentials["login"], request._request),
                request=request._request,
                extra_methods=["passkey"] if passkeys_exist(user=user) else [],
            )
        # The success's writes (lockout reset, last login, audit row, session) in one commit.
        with transaction.atomic():
            services.user_login_complete(request=request._request, user=user)
            response = token_pair_response(request, user, status.HTTP_200_OK)
            device_token_attach(response, user=user)
        return response


def admin_login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """The admin's login page with the API login's guards: the per-client-IP rate limit
    (its own bucket, the same ``AUTH_LOGIN_RATE``) and an audit row for every attempt.

    The account lockout needs nothing here: AxesBackend guards every ``authenticate``, and
    the form reports a missing or wrong TOTP code to axes as a failed login. Such a refusal
    names the account in its audit row: its password was right.
    """
    if request.method != "POST":
        return admin.site.login(request, extra_context)
    try:
        rate_limit_enforce(request=request, group="admin.login", rate=settings.AUTH_LOGIN_RATE)
    except errors.ServiceError as exc:
        return problem_response(exc)
    response = admin.site.login(request, extra_context)
    if response.status_code == HTTPStatus.FOUND and request.user.is_authenticated:
        details: dict[str, Any] = {"via": "admin"}
        if admin_mfa_verified(request):
            details["amr"] = AMR_TOTP
        audit_record(
            action=AuditAction.LOGIN_SUCCEEDED, user=request.user, request=request, details=details
        )
    else:
        details = {"via": "admin"}
        refusal = getattr(request, "admin_login_refusal", None)
        if getattr(request, "axes_locked_out", False):
            details["reason"] = "account_locked"
        elif refusal is not None:
            details["reason"] = refusal.reason
        audit_record(
            action=AuditAction.LOGIN_FAILED,
            status=AuditStatus.FAILURE,
            user=refusal.user if refusal is not None else None,
            request=request,
            details=details,
        )
    return response
