from typing import Any

from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication

from authsvc.context import request_user_id_set


class BearerTokenAuthentication(JWTAuthentication):
    """simplejwt's access-token authentication, with an RFC 6750 challenge."""

    www_authenticate_realm = "authsvc"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is not None:
            # DRF authenticates inside the view; the access log reads the id off the Django request.
            request_user_id_set(request._request, result[0].pk)
        return result

    def authenticate_header(self, request: Request) -> str:
        return f'Bearer realm="{self.www_authenticate_realm}"'
