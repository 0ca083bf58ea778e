"""The shared database cache (no REDIS_URL): its incr() is atomic under parallel use."""

import threading

import pytest
from django.core.cache import caches
from django.db import connection

from authsvc.cache import AtomicDatabaseCache

pytestmark = pytest.mark.django_db(transaction=True)


def test_default_cache_without_redis_is_the_atomic_database_cache():
    assert isinstance(caches["default"], AtomicDatabaseCache)


def test_incr_adds_and_refuses_missing_or_expired_keys():
    cache = caches["default"]
    cache.set("present", 5, 60)
    cache.set("expired", 5, -1)

    assert cache.incr("present", 2) == 7
    assert cache.decr("present") == 6
    assert cache.get("present") == 6
    for key in ("absent", "expired"):
        with pytest.raises(ValueError, match="not found"):
            cache.incr(key)


def test_parallel_increments_are_never_lost():
    # given one counter and eight threads, each with its own database connection
    caches["default"].set("burst", 0, 60)
    threads_count, per_thread = 8, 10
    barrier = threading.Barrier(threads_count)

    def hammer():
        try:
            barrier.wait()
            for _ in range(per_thread):
                caches["default"].incr("burst")
        finally:
            connection.close()

    threads = [threading.Thread(target=hammer) for _ in range(threads_count)]
    # when they all increment at once
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then every increment counted
    assert caches["default"].get("burst") == threads_count * per_thread
