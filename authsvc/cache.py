"""A database cache whose ``incr`` is atomic, for instances that run without Redis.

Django's DatabaseCache implements ``incr`` as get-then-set (BaseCache.incr), so two
processes incrementing at once both write the same value and one hit is lost: a burst
of parallel logins would slip past a rate limit. Here the read and the write happen in
one transaction holding the row's lock (SELECT ... FOR UPDATE on PostgreSQL; on SQLite
the settings' IMMEDIATE transactions take the database's write lock), so parallel
increments serialise and every hit counts.
"""

import base64
import pickle
from typing import Any

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.utils.timezone import now as tz_now

CACHE_TABLE = "authsvc_cache"


class AtomicDatabaseCache(DatabaseCache):
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
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {quote('value')} = %s "  # noqa: S608
                f"WHERE {quote('cache_key')} = %s",
                [encoded, cache_key],
            )
        return value

    def decr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self.incr(key, -delta, version)
