"""The password change endpoint."""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.passwords.serializers import PasswordChangeRequestSerializer
from accounts.passwords.services import user_password_change
from accounts.tokens.authentication import request_claims, request_user
from authsvc import exceptions as errors
from authsvc.openapi import BODY_ERRORS, problem_responses
from authsvc.ratelimit import rate_limit_enforce

_AUTH_ERRORS = (errors.NotAuthenticated, errors.TokenInvalid)


class PasswordChangeView(APIView):
    @extend_schema(
        operation_id="auth_password_change",
        summary="Change the password",
        description="Checks `current_password`, applies the registration password rules to "
        "`new_password`, and revokes every other login session of the user (this one stays). "
        "A wrong current password is `400 validation_error` on `current_password`. "
        "Attempts count against the client's login rate limit (`AUTH_LOGIN_RATE`, 429): "
        "a stolen access token must not become an unlimited password oracle.",
        request=PasswordChangeRequestSerializer,
        responses={
            204: OpenApiResponse(description="The password is changed."),
            **problem_responses(
                errors.ValidationFailed,
                *BODY_ERRORS,
                *_AUTH_ERRORS,
                errors.RateLimited,
                examples={
                    errors.ValidationFailed: {
                        "errors": {"current_password": ["The current password is incorrect."]}
                    }
                },
            ),
        },
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        # Checked before any hashing, like login: each attempt is a guess at the password.
        rate_limit_enforce(
            request=request._request, group="auth.password_change", rate=settings.AUTH_LOGIN_RATE
        )
        payload = PasswordChangeRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user_password_change(
            user=request_user(request),
            current_session_id=request_claims(request).sid,
            request=request._request,
            **payload.validated_data,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
