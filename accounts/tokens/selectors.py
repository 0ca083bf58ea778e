"""Token lifecycle reads, including the one query behind every authenticated request."""

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import Col
from django.utils import timezone

from accounts.tokens.codec import TokenClaims
from accounts.tokens.models import LoginSession
from accounts.users.models import User

# The one query behind every authenticated request, written out: building the equivalent
# ORM filter (a join, four lookups) cost about 0.4 ms per request, a fifth of GET /me, and
# a raw queryset's column mapping a sixth of what was left (docs/performance.md). Both
# primary-key lookups; same SQL on SQLite and PostgreSQL; the columns come from the model.
_USER_FIELDS = User._meta.concrete_fields
_USER_COLUMNS = ", ".join(f'u."{field.column}"' for field in _USER_FIELDS)
_USER_ATTNAMES = [field.attname for field in _USER_FIELDS]
_LIVE_SESSION_USER_SQL = (
    f"SELECT {_USER_COLUMNS} FROM accounts_user u"  # noqa: S608 (the model's columns, no input)
    " JOIN accounts_login_session s ON s.user_id = u.id"
    " WHERE u.id = %s AND s.id = %s AND u.is_active AND s.revoked_at IS NULL"
)
_converters: dict[str, list[tuple[int, list[Callable[..., Any]], Col]]] = {}


def user_for_access_token(*, claims: TokenClaims) -> User | None:
    """The active user of ``claims`` if the token's login session is still live, else None.

    One query: the user joined with the session, so a revoked session (logout, password
    change, reuse) is refused at once, not when the access token expires (simplejwt #744).
    """
    db_uuid = User._meta.pk.get_db_prep_value
    with connection.cursor() as cursor:
        cursor.execute(
            _LIVE_SESSION_USER_SQL,
            [db_uuid(claims.sub, connection), db_uuid(claims.sid, connection)],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, converters, column in _row_converters():
        for converter in converters:
            values[index] = converter(values[index], column, connection)
    return User.from_db(connection.alias, _USER_ATTNAMES, values)


def _row_converters() -> list[tuple[int, list[Callable[..., Any]], Col]]:
    """What the ORM's compiler would apply to each column (SQLite: text to UUID, datetime,
    bool), worked out once per database vendor."""
    if connection.vendor not in _converters:
        columns = [field.get_col("u") for field in _USER_FIELDS]
        _converters[connection.vendor] = [
            (index, converters, column)
            for index, column in enumerate(columns)
            if (
                converters := connection.ops.get_db_converters(column)
                + column.get_db_converters(connection)
            )
        ]
    return _converters[connection.vendor]


def login_sessions_active(*, user: User) -> QuerySet[LoginSession]:
    """The user's live sessions, most recently used first."""
    return LoginSession.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-last_used_at", "-created_at")
