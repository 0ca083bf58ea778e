from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.tokens.codec import TokenClaims, TokenType, token_decode
from accounts.tokens.selectors import user_for_access_token
from accounts.users.models import User
from authsvc.context import request_user_id_set
from authsvc.exceptions import TokenInvalid


class BearerTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <access token>`` (RFC 6750), checked against its login session.

    ``request.auth`` is the token's ``TokenClaims``. The whole check costs one query.
    Failures are DRF's AuthenticationFailed so DRF marks the request unauthenticated;
    the problem handler renders it as ``token_invalid``.
    """

    www_authenticate_realm = "authsvc"
    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[User, TokenClaims] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        try:
            if len(parts) != 2:
                raise TokenInvalid()
            claims = token_decode(token=parts[1].decode("ascii"), expected_type=TokenType.ACCESS)
            user = user_for_access_token(claims=claims)
            if user is None:
                raise TokenInvalid()
        except (TokenInvalid, UnicodeDecodeError) as exc:
            raise AuthenticationFailed() from exc
        # DRF authenticates inside the view; the access log reads the id off the Django request.
        request_user_id_set(request._request, user.pk)
        return user, claims

    def authenticate_header(self, request: Request) -> str:
        return f'Bearer realm="{self.www_authenticate_realm}"'


def request_claims(request: Request) -> TokenClaims:
    """The verified claims of the access token behind an authenticated request."""
    assert isinstance(request.auth, TokenClaims)  # noqa: S101 (BearerTokenAuthentication sets it)
    return request.auth


def request_user(request: Request) -> User:
    """The user of a request that passed IsAuthenticated."""
    assert isinstance(request.user, User)  # noqa: S101 (IsAuthenticated ran)
    return request.user
