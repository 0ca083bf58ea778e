"""Django's PostgreSQL backend with its per-request health check rationed per connection.

``CONN_HEALTH_CHECKS`` pings a persistent connection (``SELECT 1``) before the first
query of every request, so that a connection the server dropped while idle (a restart, a
failover, a proxy's idle timeout) is replaced instead of failing the request. Under load
that is a second round trip, and a second statement for PostgreSQL to run, for a
one-query request such as ``GET /me``, on a connection that answered a moment ago. This
backend pings a connection only when its last ping is ``HEALTH_CHECK_INTERVAL_SECONDS``
old. A connection that breaks within the interval fails the request that meets it, as
without health checks, and is dropped at the end of that request (Django closes a
connection whose query raised and that no longer answers).
"""

import time
from typing import Any

from django.db.backends.postgresql import base

HEALTH_CHECK_INTERVAL_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    health_check_enabled: bool  # set by Django's base class (not in django-stubs)
    health_check_done: bool
    health_checked_at = float("-inf")

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and time.monotonic() - self.health_checked_at < HEALTH_CHECK_INTERVAL_SECONDS
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
        if self.connection is not None:
            self.health_checked_at = time.monotonic()

    def connect(self, *args: Any, **kwargs: Any) -> None:
        super().connect(*args, **kwargs)
        self.health_checked_at = time.monotonic()  # a new connection has just answered
