"""Account lockout: the atomic per-account counter django-axes consults, and its public face.

Every login attempt takes a number for its account *before* the password is checked
(``lockout_attempt_begin``), in one statement holding the counter row's lock, so
parallel guesses cannot all slip past the threshold (axes #592, GHSA-7h8m-vrxx-vr4m).
Attempts numbered past AUTH_LOCKOUT_THRESHOLD are refused without a password check
until AUTH_LOCKOUT_COOLOFF seconds after the last counted attempt; refused attempts
are not counted, so they never extend the lock. A success deletes the counter.

The counter is written in its own statement; the login view is excluded from
ATOMIC_REQUESTS so a rolled-back request cannot erase it (axes #628/#611).
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, router
from django.http import HttpRequest
from django.utils import timezone

from accounts.login.backends import user_for_login
from accounts.login.models import LoginLockout
from accounts.users.models import User


def lockout_threshold() -> int:
    return int(settings.AXES_FAILURE_LIMIT)


def lockout_cooloff() -> timedelta:
    return settings.AXES_COOLOFF_TIME


def login_lockout_key(login: str, request: HttpRequest | None = None) -> str:
    """The one key of an account however it is named (username or email, any case, spaces).

    A name with no account keys on itself, normalised, so unknown names are counted
    and locked exactly like real ones and lockout reveals nothing about existence.
    """
    normalised = login.strip().lower()
    user = user_for_login(normalised, request)
    return user.username.lower() if user else normalised


@dataclass(frozen=True)
class Attempt:
    """An attempt's place in its account's count: allowed to check the password, or not."""

    allowed: bool
    number: int
    locked_until: datetime


def _locked_until(row: LoginLockout) -> datetime:
    return row.last_attempt_at + lockout_cooloff()


def lockout_attempt_begin(*, key: str) -> Attempt:
    """Count one attempt for ``key`` atomically, or refuse it when the account is locked.

    One statement (an upsert holding the row's lock on PostgreSQL, the write lock on
    SQLite), so parallel attempts are numbered one by one: a window that has ended
    starts again at 1, a locked row is left as it is (refused attempts never extend a
    lock), anything else counts one more.
    """
    now = timezone.now()
    connection = connections[router.db_for_write(LoginLockout)]
    quote = connection.ops.quote_name
    table = quote(LoginLockout._meta.db_table)
    key_col, attempts, last = quote("key"), quote("attempts"), quote("last_attempt_at")
    at = connection.ops.adapt_datetimefield_value(now)
    window_start = connection.ops.adapt_datetimefield_value(now - lockout_cooloff())
    threshold = lockout_threshold()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_col}, {attempts}, {last}) VALUES (%s, 1, %s) "  # noqa: S608
            f"ON CONFLICT ({key_col}) DO UPDATE SET "
            f"{attempts} = CASE WHEN {table}.{last} <= %s THEN 1 "
            f"WHEN {table}.{attempts} >= %s THEN {table}.{attempts} "
            f"ELSE {table}.{attempts} + 1 END, "
            f"{last} = CASE WHEN {table}.{last} > %s AND {table}.{attempts} >= %s "
            f"THEN {table}.{last} ELSE %s END "
            f"RETURNING {attempts}, CASE WHEN {last} = %s THEN 1 ELSE 0 END",
            [key, at, window_start, threshold, window_start, threshold, at, at],
        )
        number, counted = cursor.fetchone()
    if counted:
        return Attempt(allowed=True, number=number, locked_until=now + lockout_cooloff())
    # Locked (rare): when it ends comes from the row, which an unlock may just have removed.
    row = LoginLockout.objects.filter(key=key).first()
    return Attempt(allowed=False, number=number, locked_until=_locked_until(row) if row else now)


def lockout_reset(*, key: str) -> bool:
    """Forget ``key``'s count (a success, an unlock); True when there was one.

    One DELETE: the ORM's delete() would wrap it in a transaction of its own (three
    round trips on every successful login) to collect cascades this table does not have.
    """
    connection = connections[router.db_for_write(LoginLockout)]
    table = connection.ops.quote_name(LoginLockout._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {connection.ops.quote_name('key')} = %s", [key])  # noqa: S608
        return cursor.rowcount > 0


def lockout_seconds_remaining(*, key: str) -> int:
    """Seconds until ``key``'s lock ends; 0 when it is not locked."""
    row = LoginLockout.objects.filter(key=key).first()
    if row is None or row.attempts < lockout_threshold():
        return 0
    return max(0, math.ceil((_locked_until(row) - timezone.now()).total_seconds()))


def user_lockout_key(user: User) -> str:
    return user.username.lower()


def user_lockout_seconds_remaining(*, user: User) -> int:
    """Seconds until ``user``'s lockout ends; 0 when the account is not locked."""
    return lockout_seconds_remaining(key=user_lockout_key(user))
