"""A database cache fit to hold rate-limit counters, for instances that run without Redis.

Django's DatabaseCache has two flaws for that job:

- ``incr`` is get-then-set (BaseCache.incr), so two processes incrementing at once both
  write the same value and one hit is lost: a burst of parallel logins would slip past a
  rate limit. Here the read and the write happen in one transaction holding the row's
  lock (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the settings' IMMEDIATE
  transactions take the database's write lock), so parallel increments serialise.
- Every ``add``/``set`` counts the whole table, and past MAX_ENTRIES (300) deletes a third
  of the *live* rows: with a few hundred clients about, rate-limit counters vanished and
  their limits started again. Here ``add`` (the call django-ratelimit makes for every
  request) is one statement that replaces only an expired row, and culling removes only
  expired rows. Expired rows are swept at most once a minute per process, on the
  ``expires`` index.
"""

import base64
import pickle
import time
from datetime import UTC, datetime
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import DatabaseError, connections, router, transaction
from django.utils.timezone import now as tz_now

CACHE_TABLE = "authsvc_cache"


class AtomicDatabaseCache(DatabaseCache):
    # Seconds between two sweeps of expired rows by one process.
    sweep_interval = 60.0
    _next_sweep = 0.0

    def _encode(self, value: Any) -> str:
        return base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        """Store ``value`` unless a live entry holds ``key``; True when it was stored."""
        cache_key = self.make_and_validate_key(key, version=version)
        expires_at = self.get_backend_timeout(timeout)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table = quote(self._table)  # type: ignore[attr-defined]  # set by BaseDatabaseCache
        key_col, value_col, expires_col = quote("cache_key"), quote("value"), quote("expires")
        now = tz_now().replace(microsecond=0)
        expires = datetime.max if expires_at is None else datetime.fromtimestamp(expires_at, UTC)
        adapt = connection.ops.adapt_datetimefield_value
        self._sweep_expired(db, now)
        with connection.cursor() as cursor:
            # One statement, atomic on both backends: a live row refuses the insert, an
            # expired one is replaced (as Django's add does).
            cursor.execute(
                f"INSERT INTO {table} ({key_col}, {value_col}, {expires_col}) "  # noqa: S608
                f"VALUES (%s, %s, %s) ON CONFLICT ({key_col}) DO UPDATE "
                f"SET {value_col} = excluded.{value_col}, {expires_col} = excluded.{expires_col} "
                f"WHERE {table}.{expires_col} < %s",
                [
                    cache_key,
                    self._encode(value),
                    adapt(expires.replace(microsecond=0)),
                    adapt(now),
                ],
            )
            return cursor.rowcount == 1

    def _sweep_expired(self, db: str, now: datetime) -> None:
        """Delete expired rows, at most once per ``sweep_interval``; best effort."""
        if time.monotonic() < self._next_sweep:
            return
        self._next_sweep = time.monotonic() + self.sweep_interval
        connection = connections[db]
        try:
            with transaction.atomic(using=db), connection.cursor() as cursor:
                self._cull(db, cursor, now, 0)
        except DatabaseError:  # two sweeps crossing; the next one will do
            pass

    def _cull(self, db: str, cursor: Any, now: datetime, num: int) -> None:
        """Expired rows only: a live counter is never evicted, however many there are."""
        connection = connections[db]
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(self._table)} "  # type: ignore[attr-defined]  # noqa: S608
            f"WHERE {connection.ops.quote_name('expires')} < %s",
            [connection.ops.adapt_datetimefield_value(now)],
        )

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        """Add ``delta`` to a live integer entry atomically; ValueError when it is absent."""
        cache_key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table = quote(self._table)  # type: ignore[attr-defined]  # set by BaseDatabaseCache
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        now = connection.ops.adapt_datetimefield_value(tz_now().replace(microsecond=0))
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('value')} FROM {table} "  # noqa: S608 (quoted identifiers)
                f"WHERE {quote('cache_key')} = %s AND {quote('expires')} > %s{lock}",
                [cache_key, now],
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(row[0].encode())) + delta  # noqa: S301 (our own rows)
            cursor.execute(
                f"UPDATE {table} SET {quote('value')} = %s "  # noqa: S608
                f"WHERE {quote('cache_key')} = %s",
                [self._encode(value), cache_key],
            )
        return value

    def decr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self.incr(key, -delta, version)
