from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication


class BearerTokenAuthentication(JWTAuthentication):
    """simplejwt's access-token authentication, with an RFC 6750 challenge."""

    www_authenticate_realm = "authsvc"

    def authenticate_header(self, request: Request) -> str:
        return f'Bearer realm="{self.www_authenticate_realm}"'
