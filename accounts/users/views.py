"""Registration and the authenticated user: parse, call one service, serialize."""

from django.conf import settings
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.tokens.responses import TOKEN_PAIR_EXAMPLE, token_pair_response
from accounts.tokens.serializers import TokenPairResponseSerializer
from accounts.users import services
from accounts.users.serializers import MeResponseSerializer, RegisterRequestSerializer
from authsvc import exceptions as errors
from authsvc.openapi import BODY_ERRORS, RATE_ERRORS, problem_responses
from authsvc.ratelimit import rate_limit_enforce


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
        examples=[TOKEN_PAIR_EXAMPLE],
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
        return token_pair_response(request, user, status.HTTP_201_CREATED)


# Personal data: no shared or browser cache may keep it (ASVS 5.0 V14.3).
@method_decorator(never_cache, name="get")
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
