from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError

from accounts.tokens.codec import ServiceAccessToken, TokenClaims
from accounts.tokens.selectors import user_for_access_token
from accounts.users.models import User
from authsvc.context import request_user_id_set


class BearerTokenAuthentication(JWTAuthentication):
    """``Authorization: Bearer <access token>`` (RFC 6750), checked against its login session.

    simplejwt's ``JWTAuthentication`` with our access token class, and with its user lookup
    replaced by ``user_for_access_token``: the user joined with the token's login session,
    so the whole check costs one query and a revoked session is refused at once.
    ``request.auth`` is the ``ServiceAccessToken``; ``request_claims`` its claims.
    Every failure is DRF's plain AuthenticationFailed (simplejwt's carry a detail dict
    naming token classes), which the problem handler renders as ``token_invalid``.
    """

    www_authenticate_realm = "authsvc"
    keyword = b"bearer"
    user_model = User

    def __init__(self) -> None:
        # JWTAuthentication.__init__ only resolves get_user_model(), and DRF builds an
        # authenticator per request: the class attribute above spares that lookup on each.
        pass

    def authenticate(self, request: Request) -> tuple[User, ServiceAccessToken] | None:  # type: ignore[override]
        authenticated = super().authenticate(request)
        if authenticated is not None:
            # DRF authenticates inside the view; the access log reads the id off the Django request.
            request_user_id_set(request._request, authenticated[0].pk)
        return authenticated  # type: ignore[return-value]  # get_user and get_validated_token below

    def get_raw_token(self, header: bytes) -> bytes | None:
        # The scheme is case-insensitive (RFC 7235 §2.1); simplejwt compares it exactly.
        parts = header.split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed()
        return parts[1]

    def get_validated_token(self, raw_token: bytes) -> ServiceAccessToken:
        try:
            return ServiceAccessToken(raw_token)  # type: ignore[arg-type]  # PyJWT takes bytes
        except TokenError as exc:
            raise AuthenticationFailed() from exc

    def get_user(self, validated_token: ServiceAccessToken) -> User:  # type: ignore[override]
        user = user_for_access_token(claims=validated_token.claims)
        if user is None:
            raise AuthenticationFailed()
        return user

    def authenticate_header(self, request: Request) -> str:
        return f'Bearer realm="{self.www_authenticate_realm}"'


def request_claims(request: Request) -> TokenClaims:
    """The verified claims of the access token behind an authenticated request."""
    token = request.auth
    assert isinstance(token, ServiceAccessToken)  # noqa: S101 (BearerTokenAuthentication sets it)
    return token.claims


def request_user(request: Request) -> User:
    """The user of a request that passed IsAuthenticated."""
    assert isinstance(request.user, User)  # noqa: S101 (IsAuthenticated ran)
    return request.user
