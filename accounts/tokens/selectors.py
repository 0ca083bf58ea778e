"""Token lifecycle reads, including the one query behind every authenticated request."""

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import LoginSession, User
from accounts.tokens.codec import TokenClaims


def user_for_access_token(*, claims: TokenClaims) -> User | None:
    """The active user of ``claims`` if the token's login session is still live, else None.

    One query: the user joined with the session, so a revoked session (logout, password
    change, reuse) is refused at once, not when the access token expires (simplejwt #744).
    """
    return User.objects.filter(
        pk=claims.sub,
        is_active=True,
        login_sessions__id=claims.sid,
        login_sessions__revoked_at__isnull=True,
    ).first()


def login_sessions_active(*, user: User) -> QuerySet[LoginSession]:
    """The user's live sessions, most recently used first."""
    return LoginSession.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-last_used_at", "-created_at")
