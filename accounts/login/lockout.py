"""Account lockout: the atomic per-account counter django-axes consults, and its public face.

Every login attempt takes a number for its account *before* the password is checked
(``lockout_attempt_begin``), in one statement holding the counter row's lock, so
parallel guesses cannot all slip past the threshold (axes #592, GHSA-7h8m-vrxx-vr4m).
Attempts numbered past AUTH_LOCKOUT_THRESHOLD are refused without a password check
until AUTH_LOCKOUT_COOLOFF seconds after the last counted attempt; refused attempts
are not counted, so they never extend the lock. Counted attempts also add up across
windows: AUTH_LOCKOUT_HARD_LIMIT of them without a success lock the account until a
password reset or an unlock (NIST SP 800-63B-4 §3.2.2), so guessing at the pace the
cool-off allows stops too. A success deletes the counter.

The counter is written in its own statement; the login view is excluded from
ATOMIC_REQUESTS so a rolled-back request cannot erase it (axes #628/#611).
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, router
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from accounts.login.backends import user_for_login
from accounts.login.devices import device_lockout_key, trusted_device_id
from accounts.login.models import LoginLockout
from accounts.users.models import User
from authsvc.exceptions import AccountLocked, AccountLockedUntilReset


def lockout_threshold() -> int:
    return int(settings.AXES_FAILURE_LIMIT)


def lockout_cooloff() -> timedelta:
    return settings.AXES_COOLOFF_TIME


def lockout_hard_limit() -> int:
    return int(settings.AUTH_LOCKOUT_HARD_LIMIT)


def login_lockout_key(login: str, request: HttpRequest | None = None) -> str:
    """The one key of an account however it is named (username or email, any case, spaces),
    or of one trusted device of it when the login presents that device's token.

    A name with no account keys on itself, normalised, so unknown names are counted
    and locked exactly like real ones and lockout reveals nothing about existence.
    """
    normalised = login.strip().lower()
    user = user_for_login(normalised, request)
    if user is None:
        return normalised
    device = trusted_device_id(request, user)
    account_key = user.username.lower()
    return device_lockout_key(account_key, device) if device else account_key


@dataclass(frozen=True)
class Attempt:
    """An attempt's place in its account's count: allowed to check the password, or not."""

    allowed: bool
    number: int  # in the current window
    locked_until: datetime
    total: int = 0  # since the last success, across windows
    until_reset: bool = False  # refused, or locking now, at the hard limit

    @property
    def locks_account(self) -> bool:
        """A counted failure of this attempt locks the account now (announced once): it
        reached the threshold in its window, or the lifetime cap."""
        return self.allowed and (
            self.number == lockout_threshold() or self.total == lockout_hard_limit()
        )


def _locked_until(row: LoginLockout) -> datetime:
    return row.last_attempt_at + lockout_cooloff()


def lockout_attempt_begin(*, key: str) -> Attempt:
    """Count one attempt for ``key`` atomically, or refuse it when the account is locked.

    One statement (an upsert holding the row's lock on PostgreSQL, the write lock on
    SQLite), so parallel attempts are numbered one by one: a locked row (in its window
    past the threshold, or past the hard limit) is left as it is (refused attempts never
    extend a lock), a window that has ended starts again at 1, anything else counts one
    more; the total counts every counted attempt.
    """
    now = timezone.now()
    connection = connections[router.db_for_write(LoginLockout)]
    quote = connection.ops.quote_name
    table = quote(LoginLockout._meta.db_table)
    key_col, attempts, last = quote("key"), quote("attempts"), quote("last_attempt_at")
    total = quote("failures_total")
    at = connection.ops.adapt_datetimefield_value(now)
    window_start = connection.ops.adapt_datetimefield_value(now - lockout_cooloff())
    hard_limit = lockout_hard_limit()
    # Every SET expression reads the row as it was before this statement.
    locked = f"(({table}.{last} > %s AND {table}.{attempts} >= %s) OR {table}.{total} >= %s)"
    locked_params = [window_start, lockout_threshold(), hard_limit]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_col}, {attempts}, {last}, {total}) "  # noqa: S608
            f"VALUES (%s, 1, %s, 1) ON CONFLICT ({key_col}) DO UPDATE SET "
            f"{attempts} = CASE WHEN {locked} THEN {table}.{attempts} "
            f"WHEN {table}.{last} <= %s THEN 1 ELSE {table}.{attempts} + 1 END, "
            f"{total} = CASE WHEN {locked} THEN {table}.{total} ELSE {table}.{total} + 1 END, "
            f"{last} = CASE WHEN {locked} THEN {table}.{last} ELSE %s END "
            f"RETURNING {attempts}, {total}, CASE WHEN {last} = %s THEN 1 ELSE 0 END",
            [key, at, *locked_params, window_start, *locked_params, *locked_params, at, at],
        )
        number, count, counted = cursor.fetchone()
    until_reset = count >= hard_limit
    if counted:
        return Attempt(True, number, now + lockout_cooloff(), count, until_reset)
    # Locked (rare): when it ends comes from the row, which an unlock may just have removed.
    row = LoginLockout.objects.filter(key=key).first()
    return Attempt(False, number, _locked_until(row) if row else now, count, until_reset)


def lockout_attempt_uncount(*, key: str) -> None:
    """Take back one counted attempt of ``key``: a right password that only opened the way
    to a second factor. The login is not over, so it neither counts nor resets anything;
    the second factor's outcome does."""
    LoginLockout.objects.filter(key=key, attempts__gt=0, failures_total__gt=0).update(
        attempts=F("attempts") - 1, failures_total=F("failures_total") - 1
    )


def lockout_reset(*, key: str) -> bool:
    """Forget the count of account ``key`` and of its trusted devices (a success, an
    unlock); True when there was one.

    One DELETE, the devices' keys as an index range: the ORM's delete() would wrap it in a
    transaction of its own (three round trips on every successful login) to collect
    cascades this table does not have.
    """
    connection = connections[router.db_for_write(LoginLockout)]
    table = connection.ops.quote_name(LoginLockout._meta.db_table)
    column = connection.ops.quote_name("key")
    devices_from = device_lockout_key(key, "")
    devices_to = devices_from[:-1] + chr(ord(devices_from[-1]) + 1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE {column} = %s OR ({column} >= %s AND {column} < %s)",  # noqa: S608
            [key, devices_from, devices_to],
        )
        return cursor.rowcount > 0


def lockout_seconds_remaining(*, key: str) -> int:
    """Seconds until ``key``'s lock ends by itself; 0 when it is not locked in a window."""
    row = LoginLockout.objects.filter(key=key).first()
    if row is None or row.attempts < lockout_threshold():
        return 0
    return max(0, math.ceil((_locked_until(row) - timezone.now()).total_seconds()))


def lockout_is_locked(*, key: str) -> bool:
    return LoginLockout.objects.locked().filter(key=key).exists()


def lockout_error(*, key: str, attempt: Attempt | None = None) -> AccountLocked:
    """The 423 for a refused login: when the lock ends, or that only a reset or an unlock
    ends it. ``attempt`` (the refused attempt) saves reading the counter again."""
    if attempt is not None:
        if attempt.until_reset:
            return AccountLockedUntilReset()
        seconds = math.ceil((attempt.locked_until - timezone.now()).total_seconds())
        return AccountLocked(retry_after_seconds=max(1, seconds))
    row = LoginLockout.objects.filter(key=key).first()
    if row is not None and row.failures_total >= lockout_hard_limit():
        return AccountLockedUntilReset()
    return AccountLocked(retry_after_seconds=max(1, lockout_seconds_remaining(key=key)))


def user_lockout_key(user: User) -> str:
    return user.username.lower()


def user_lockout_seconds_remaining(*, user: User) -> int:
    """Seconds until ``user``'s lockout ends; 0 when the account is not locked."""
    return lockout_seconds_remaining(key=user_lockout_key(user))
