"""A live server whose Redis goes away and comes back.

gunicorn reaches the test Redis through a loopback TCP proxy that the test resets and
restores; the shared Redis server itself is never stopped. With the default
AUTH_RATELIMIT_FAIL_OPEN=1 logins go on (the per-account lockout lives in the database),
/readyz names the cache, and both recover without a restart.
"""

from urllib.parse import urlsplit

import pytest
import redis

from tests.factories import UserFactory
from tests.servers import start_gunicorn
from tests.upstreams import TcpProxy

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def proxied(tmp_path_factory, redis_url, django_db_setup, django_db_blocker):
    target = urlsplit(redis_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 6379)
    server = start_gunicorn(
        tmp_path_factory.mktemp("redis-outage"),
        workers=1,
        threads=2,
        env={"REDIS_URL": f"redis://127.0.0.1:{proxy.port}{target.path}"},
    )
    yield server, proxy
    server.stop()
    proxy.close()
    redis.Redis.from_url(redis_url).flushdb()  # the service's counters, in the test database


def test_redis_outage_keeps_logins_working_names_the_cache_and_recovers(proxied):
    server, proxy = proxied
    user = UserFactory()
    credentials = {"login": user.username, "password": user.raw_password}
    with server.client() as http:
        # given a healthy service
        assert http.get("/readyz").status_code == 200
        # when Redis goes away
        proxy.set_mode("reset")
        during_login = http.post("/api/v1/auth/login", json=credentials)
        during_ready = http.get("/readyz")
        # and comes back
        proxy.set_mode("forward")
        after_login = http.post("/api/v1/auth/login", json=credentials)
        after_ready = http.get("/readyz")

    # then logins never failed, readiness named the cache, and the same process recovered
    assert during_login.status_code == 200, during_login.text
    assert during_ready.status_code == 503
    assert during_ready.headers["content-type"] == "application/problem+json"
    assert during_ready.json()["checks"]["cache"]["status"] == "fail"
    assert after_login.status_code == 200, after_login.text
    assert after_ready.status_code == 200, after_ready.text
    assert after_ready.json()["checks"]["cache"]["status"] == "ok"
    assert "rate-limit store unreachable" in server.logs()
    assert "failing open" in server.logs()
