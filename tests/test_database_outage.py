"""A live server whose database goes away and comes back (PostgreSQL leg only).

gunicorn reaches the test PostgreSQL through a loopback TCP proxy run by the test; the
proxy cuts (resets) or black-holes the line, then restores it. The shared PostgreSQL
server itself is never stopped.
"""

import time

import pytest
from django.db import connection

from accounts.models import User
from authsvc.postgresql.base import HEALTH_CHECK_INTERVAL_SECONDS
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.servers import start_gunicorn
from tests.upstreams import TcpProxy

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CONNECT_TIMEOUT_SECONDS = 2


@pytest.fixture(scope="module")
def proxy(django_db_setup, django_db_blocker):
    db = connection.settings_dict
    tcp_proxy = TcpProxy(db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432))
    yield tcp_proxy
    tcp_proxy.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, proxy):
    db = connection.settings_dict
    database_url = f"postgres://{db.get('USER') or 'root'}@127.0.0.1:{proxy.port}/{db['NAME']}"
    server = start_gunicorn(
        tmp_path_factory.mktemp("outage"),
        workers=1,
        threads=2,
        env={
            "DATABASE_URL": database_url,
            "DATABASE_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT_SECONDS),
        },
    )
    yield server
    server.stop()


def _register(http, username):
    return http.post(
        "/api/v1/auth/register",
        json={
            "username": username,
            "email": f"{username}@example.com",
            "password": DEFAULT_PASSWORD,
        },
    )


def _assert_unavailable(response):
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    assert response.json()["code"] == "service_unavailable"


def test_database_outage_gives_503s_and_the_service_recovers_by_itself(server, proxy):
    # given: a working service and a logged-in user
    user = UserFactory()
    with server.client() as http:
        login = http.post(
            "/api/v1/auth/login", json={"login": user.username, "password": user.raw_password}
        )
        assert login.status_code == 200, login.text
        bearer = {"Authorization": f"Bearer {login.json()['access']}"}
        assert http.get("/api/v1/auth/me", headers=bearer).status_code == 200

        # when: the database resets every connection (crash, restart, failover)
        proxy.set_mode("reset")

        # then: every kind of request is a 503 problem, in views and outside them
        _assert_unavailable(http.get("/api/v1/auth/me", headers=bearer))
        _assert_unavailable(_register(http, "during_reset"))
        _assert_unavailable(
            http.post(
                "/api/v1/auth/login", json={"login": user.username, "password": user.raw_password}
            )
        )
        _assert_unavailable(http.get("/admin/", headers={"Cookie": "sessionid=" + "x" * 32}))

        # when: the database stops answering altogether
        proxy.set_mode("blackhole")
        started = time.monotonic()
        response = _register(http, "during_blackhole")

        # then: the wait is bounded by the connect timeout
        _assert_unavailable(response)
        assert time.monotonic() - started < CONNECT_TIMEOUT_SECONDS + 2

        # when: the database is back
        proxy.set_mode("forward")

        # then: the same process serves again, without a restart
        assert http.get("/api/v1/auth/me", headers=bearer).status_code == 200
        assert _register(http, "after_outage").status_code == 201

    # and nothing was half-written during the outage
    assert not User.objects.filter(username__in=["during_reset", "during_blackhole"]).exists()
    assert User.objects.filter(username="after_outage").exists()
    assert server.process.poll() is None


def test_a_connection_dropped_while_idle_is_replaced_without_an_error(server, proxy):
    # given: a worker whose persistent connections answered a moment ago
    user = UserFactory()
    with server.client() as http:
        login = http.post(
            "/api/v1/auth/login", json={"login": user.username, "password": user.raw_password}
        )
        bearer = {"Authorization": f"Bearer {login.json()['access']}"}
        assert http.get("/api/v1/auth/me", headers=bearer).status_code == 200

        # when: the server drops them while they are idle (a restart, a proxy's idle timeout)
        proxy.set_mode("reset")
        proxy.set_mode("forward")
        time.sleep(HEALTH_CHECK_INTERVAL_SECONDS + 0.2)

        # then: the health check finds them dead and the next requests reconnect
        assert [http.get("/api/v1/auth/me", headers=bearer).status_code for _ in range(4)] == [
            200
        ] * 4
