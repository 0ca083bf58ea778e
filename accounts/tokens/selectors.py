"""Token lifecycle reads, including the one query behind every authenticated request."""

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from accounts.tokens.codec import TokenClaims
from accounts.tokens.models import LoginSession
from accounts.users.models import User

# The one query behind every authenticated request, written out: building the equivalent
# ORM filter (a join, four lookups) cost about 0.4 ms per request, a fifth of GET /me
# (docs/performance.md). Both primary-key lookups; same SQL on SQLite and PostgreSQL.
_LIVE_SESSION_USER_SQL = (
    "SELECT u.* FROM accounts_user u"
    " JOIN accounts_login_session s ON s.user_id = u.id"
    " WHERE u.id = %s AND s.id = %s AND u.is_active AND s.revoked_at IS NULL"
)


def user_for_access_token(*, claims: TokenClaims) -> User | None:
    """The active user of ``claims`` if the token's login session is still live, else None.

    One query: the user joined with the session, so a revoked session (logout, password
    change, reuse) is refused at once, not when the access token expires (simplejwt #744).
    """
    db_uuid = User._meta.pk.get_db_prep_value
    params = [db_uuid(claims.sub, connection), db_uuid(claims.sid, connection)]
    return next(iter(User.objects.raw(_LIVE_SESSION_USER_SQL, params)), None)


def login_sessions_active(*, user: User) -> QuerySet[LoginSession]:
    """The user's live sessions, most recently used first."""
    return LoginSession.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-last_used_at", "-created_at")
