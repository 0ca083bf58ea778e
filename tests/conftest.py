import os

import pytest
from django.core.cache import caches
from rest_framework.test import APIClient

STRICT_SERVICES_ENV = "AUTHSVC_REQUIRE_SERVICES"


@pytest.fixture(autouse=True)
def _clear_caches():
    """Counters and cached state must not leak from one test into the next."""
    for cache in caches.all():
        cache.clear()
    yield


@pytest.fixture
def api() -> APIClient:
    return APIClient(raise_request_exception=False)


def pytest_sessionfinish(session, exitstatus):
    """In CI every test must run: a skip means a leg (PostgreSQL, Redis) silently vanished."""
    if os.environ.get(STRICT_SERVICES_ENV) != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"{STRICT_SERVICES_ENV}=1 and {len(skipped)} test(s) skipped: failing.")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
