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


def test_add_stores_once_and_replaces_only_an_expired_entry():
    cache = caches["default"]

    assert cache.add("window", 1, 60) is True
    assert cache.add("window", 99, 60) is False  # a live entry refuses
    assert cache.get("window") == 1
    cache.set("stale", 5, -1)
    assert cache.add("stale", 7, 60) is True  # an expired one is replaced
    assert cache.get("stale") == 7


def test_live_counters_are_never_evicted_however_many_clients():
    # Django's DatabaseCache deletes a third of the live rows past MAX_ENTRIES (300):
    # a busy instance would forget rate-limit counters and restart their limits.
    cache = caches["default"]
    cache.add("first-client", 1, 600)
    cache.incr("first-client", 4)
    for n in range(400):
        cache.add(f"client-{n}", 1, 600)
    cache.set("another", 1, 600)  # set() culls too, when the table is over the limit

    assert cache.get("first-client") == 5
    assert cache.incr("first-client") == 6
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authsvc_cache")
        assert cursor.fetchone()[0] == 402


def test_expired_rows_are_swept_by_a_later_add(monkeypatch):
    cache = caches["default"]
    for n in range(5):
        cache.set(f"old-{n}", 1, -1)
    cache.set("live", 1, 600)
    monkeypatch.setattr(cache, "_next_sweep", 0.0)  # the sweep is due

    cache.add("new", 1, 600)

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM authsvc_cache ORDER BY cache_key")
        keys = [row[0] for row in cursor.fetchall()]
    assert keys == [cache.make_key("live"), cache.make_key("new")]
