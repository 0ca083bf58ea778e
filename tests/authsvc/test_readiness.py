"""/readyz: each check's status and latency; 503 problem+json naming what failed."""

import shutil
import sqlite3

import pytest
from django.db import connection

from authsvc.readiness import register_check, unregister_check
from tests import servers
from tests.problem import assert_problem
from tests.servers import free_port, start_gunicorn
from tests.upstreams import FakeHttpUpstream, TcpProxy

pytestmark = pytest.mark.django_db


def test_readyz_reports_each_check_with_its_latency(api):
    response = api.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    # the shared cache (the database cache table here, Redis when configured) is checked
    # too, and so is each circuit breaker
    breaker_checks = {"breaker:pwned_passwords", "breaker:mail"}
    assert set(body["checks"]) == {"database", "cache", *breaker_checks, "task_queue"}
    for check in body["checks"].values():
        assert check["status"] == "ok"
        assert check["latency_ms"] >= 0
    for name in breaker_checks:
        assert body["checks"][name]["state"] == "closed"


def test_an_open_breaker_is_reported_degraded_and_the_service_stays_ready(api, settings):
    # given: the breached-password API answers 500 until its breaker opens
    upstream = FakeHttpUpstream(status=500).start()
    settings.AUTH_PASSWORD_VALIDATORS = [
        *settings.AUTH_PASSWORD_VALIDATORS,
        {"NAME": "accounts.passwords.validators.BreachedPasswordValidator"},
    ]
    settings.AUTH_PWNED_PASSWORDS_URL = upstream.base_url
    settings.OUTBOUND_RETRIES = 0
    fail_max = settings.CIRCUIT_BREAKERS["pwned_passwords"]["fail_max"]
    try:
        registered = [
            api.post(
                "/api/v1/auth/register",
                {
                    "username": f"user{n}",
                    "email": f"u{n}@example.com",
                    "password": "Unseen-42-Horse",
                },
                format="json",
            )
            for n in range(fail_max)
        ]
    finally:
        upstream.stop()

    # when
    response = api.get("/readyz")

    # then: still ready (the check fails open), the open breaker named with its state
    assert [r.status_code for r in registered] == [201] * fail_max
    assert len(upstream.requests) == fail_max
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["breaker:pwned_passwords"] == {
        "status": "degraded",
        "latency_ms": body["checks"]["breaker:pwned_passwords"]["latency_ms"],
        "state": "open",
    }
    assert body["checks"]["breaker:mail"]["state"] == "closed"
    assert body["checks"]["database"]["status"] == "ok"


def test_readyz_is_503_naming_a_failed_registered_check(api):
    # given a plug-in check that fails
    def breaker_open() -> None:
        raise RuntimeError("breaker smtp is open")

    register_check("breaker:smtp", breaker_open)
    try:
        response = api.get("/readyz")
    finally:
        unregister_check("breaker:smtp")

    body = assert_problem(response, 503, "not_ready")
    assert "breaker:smtp" in body["detail"]
    assert body["checks"]["breaker:smtp"] == {
        "status": "fail",
        "latency_ms": body["checks"]["breaker:smtp"]["latency_ms"],
        "error": "RuntimeError",
    }
    assert body["checks"]["database"]["status"] == "ok"
    assert "breaker smtp is open" not in response.content.decode()


@pytest.mark.django_db(transaction=True)  # the test closes and reopens the connection
def test_readyz_is_503_when_the_database_cannot_be_reached_in_process(api):
    # given the connection points somewhere that cannot be opened, on either engine
    original = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-dir/authsvc.sqlite3"
    else:
        connection.settings_dict["PORT"] = free_port()
    connection.close()

    # when probed, and probed again once it is back
    try:
        down = api.get("/readyz")
    finally:
        connection.settings_dict.update(original)
        connection.close()
    up = api.get("/readyz")

    body = assert_problem(down, 503, "not_ready")
    assert body["checks"]["database"]["status"] == "fail"
    assert body["checks"]["database"]["error"] == "OperationalError"
    assert up.status_code == 200


def test_readyz_checks_a_shared_cache_when_one_is_configured(api, settings, redis_url):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }

    response = api.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["cache"]["status"] == "ok"


def test_readyz_is_503_when_the_shared_cache_is_down(api, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }

    response = api.get("/readyz")

    body = assert_problem(response, 503, "not_ready")
    assert body["detail"] == "Not ready: cache."
    assert body["checks"]["cache"]["status"] == "fail"


# --- live: gunicorn whose database goes away and comes back ----------------------------


@pytest.fixture(scope="module")
def outage(tmp_path_factory, django_db_setup, django_db_blocker):
    """A gunicorn whose database can be cut: a TCP proxy (PostgreSQL) or a movable dir (SQLite)."""
    tmp = tmp_path_factory.mktemp("readyz")
    url = servers.test_database_url()
    if url.startswith("sqlite"):
        directory = tmp / "db"
        directory.mkdir()
        # A migrated copy (the cache check needs its table) that the test can move away.
        source = sqlite3.connect(connection.settings_dict["NAME"])
        copy = sqlite3.connect(directory / "ready.sqlite3")
        source.backup(copy)
        source.close()
        copy.close()
        env = {
            "DATABASE_URL": f"sqlite:///{directory / 'ready.sqlite3'}",
            "DATABASE_CONN_MAX_AGE": "0",  # each request opens the file anew
        }
        away = tmp / "db-away"
        cut, restore = (lambda: directory.rename(away)), (lambda: away.rename(directory))
        proxy = None
    else:
        db = connection.settings_dict
        proxy = TcpProxy(db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432))
        env = {"DATABASE_URL": url.replace(f":{db.get('PORT') or 5432}/", f":{proxy.port}/")}
        cut, restore = (lambda: proxy.set_mode("reset")), (lambda: proxy.set_mode("forward"))
    server = start_gunicorn(tmp, workers=1, env=env)
    yield server, cut, restore
    server.stop()
    if proxy is not None:
        proxy.close()
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.mark.django_db(transaction=True)
def test_readyz_turns_503_when_the_database_goes_away_and_200_when_it_returns(outage):
    server, cut, restore = outage
    with server.client() as http:
        before = http.get("/readyz")
        cut()
        during = [http.get("/readyz") for _ in range(2)]
        restore()
        after = http.get("/readyz")

    assert before.status_code == 200, before.text
    for response in during:
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "not_ready"
        assert response.json()["checks"]["database"]["status"] == "fail"
    assert after.status_code == 200, after.text
    assert after.json()["checks"]["database"]["status"] == "ok"
