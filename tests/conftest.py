import os
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection
from rest_framework.test import APIClient

from authsvc import breakers
from tests.tasks import WorkerProcess, queue_drained, start_db_worker
from tests.upstreams import SmtpSink

# Shared fixtures: a real browser (chromium via Playwright) for pages people use.
pytest_plugins = ["tests.browser"]

STRICT_SERVICES_ENV = "AUTHSVC_REQUIRE_SERVICES"
# Redis database for tests that need a real Redis; never the one a running service uses.
SMTP_TEST_FROM = "authsvc <noreply@example.com>"
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(autouse=True)
def _clear_caches(request):
    """Counters and cached state must not leak from one test into the next.

    The default cache may live in the database: tests without database access
    leave it alone (they cannot reach it, and cannot count anything in it).
    """
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
        request.fixturenames
    )
    if uses_db:
        request.getfixturevalue("_django_db_helper")  # database access first
    for cache in caches.all():
        if uses_db or not isinstance(cache, DatabaseCache):
            cache.clear()
    yield


@pytest.fixture(autouse=True)
def _fresh_breakers(monkeypatch):
    """Each test starts with closed, per-process breakers configured as in settings."""
    for name, config in settings.CIRCUIT_BREAKERS.items():
        fresh = breakers.breaker_build(
            name=name,
            fail_max=config["fail_max"],
            reset_timeout_seconds=config["reset_timeout_seconds"],
            exclude=breakers.EXCLUDED.get(name, (breakers.NotCounted,)),
        )
        monkeypatch.setitem(breakers.BREAKERS, name, fresh)


# A PostgreSQL-only test on the SQLite leg is skipped by design, not because a service is
# missing: the strict check below recognises this reason and lets it pass.
SQLITE_LEG_SKIP_REASON = "PostgreSQL-only test; this leg runs on SQLite by design"


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip(SQLITE_LEG_SKIP_REASON)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A reachable Redis for cross-process tests; skips (a CI failure) when there is none."""
    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"needs Redis at {TEST_REDIS_URL} (set TEST_REDIS_URL): {exc}")
    finally:
        client.close()
    return TEST_REDIS_URL


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on a free loopback port, one per test module."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp_settings(settings, smtp) -> SmtpSink:
    """Django's SMTP backend pointed at ``smtp``, emptied of earlier tests' messages."""
    smtp.messages.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp.port
    settings.EMAIL_TIMEOUT = 2
    settings.DEFAULT_FROM_EMAIL = settings.AUTH_MAIL_FROM = SMTP_TEST_FROM
    return smtp


@pytest.fixture(scope="module")
def mail_worker(
    tmp_path_factory, django_db_setup, django_db_blocker, smtp
) -> Iterator[WorkerProcess]:
    """A real ``manage.py db_worker`` delivering to ``smtp``, one per module.

    It sees committed rows only: the tests using it are transactional.
    """
    worker = start_db_worker(
        tmp_path_factory.mktemp("mail_worker"),
        env={
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
            "EMAIL_TIMEOUT": "2",
            "AUTH_MAIL_FROM": SMTP_TEST_FROM,
            "MAIL_RETRY_BASE_SECONDS": "1",
        },
    )
    yield worker
    worker.stop()


@pytest.fixture(autouse=True)
def _mail_delivered_before_the_flush(request):
    """A test using the module's ``mail_worker`` waits, before its data is flushed, for the
    worker to finish its mail: a task row deleted under a delivery in flight makes the
    worker fail to record the outcome and exit, and the module's later mail never arrives."""
    yield
    if "mail_worker" in request.fixturenames:
        queue_drained()


@pytest.fixture
def api() -> APIClient:
    return APIClient(raise_request_exception=False)


def pytest_sessionfinish(session, exitstatus):
    """In CI every test must run: a skip means a leg (PostgreSQL, Redis) silently vanished."""
    if os.environ.get(STRICT_SERVICES_ENV) != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    # longrepr of a skip is (path, line, "Skipped: <reason>").
    skipped = [report for report in skipped if SQLITE_LEG_SKIP_REASON not in str(report.longrepr)]
    if skipped:
        reporter.write_line(f"{STRICT_SERVICES_ENV}=1 and {len(skipped)} test(s) skipped: failing.")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
