"""/metrics: request counts and latencies by route, login outcomes, audit-derived counters."""

import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import RequestFactory
from django.urls import resolve
from prometheus_client import REGISTRY

from accounts.audit.services import AuditAction, AuditStatus, audit_record
from authsvc.mail import mail_send
from authsvc.metrics import http_request_observe
from tests.factories import UserFactory
from tests.problem import assert_problem
from tests.servers import free_port, start_gunicorn

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
METRICS_TOKEN = "scrape-token-0123456789abcdef"


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_requests_are_counted_and_timed_by_route_pattern_and_status(api):
    before = _sample("authsvc_http_requests_total", route="healthz", method="GET", status="200")
    timed_before = _sample(
        "authsvc_http_request_duration_seconds_count", route="healthz", method="GET", status="200"
    )

    for _ in range(3):
        api.get("/healthz")
    api.get("/no/such/page/123")

    assert _sample("authsvc_http_requests_total", route="healthz", method="GET", status="200") == (
        before + 3
    )
    assert (
        _sample(
            "authsvc_http_request_duration_seconds_count",
            route="healthz",
            method="GET",
            status="200",
        )
        == timed_before + 3
    )
    # unknown paths share one label value: a scanner cannot blow up the series count
    assert (
        _sample("authsvc_http_requests_total", route="<unmatched>", method="GET", status="404") >= 1
    )
    assert b"/no/such/page" not in api.get("/metrics").content


def test_login_outcomes_are_counted_by_result(api):
    user = UserFactory()
    success, invalid = (
        _sample("authsvc_logins_total", result="success"),
        _sample("authsvc_logins_total", result="invalid"),
    )

    api.post(LOGIN, {"login": user.username, "password": user.raw_password}, format="json")
    api.post(LOGIN, {"login": user.username, "password": "nope-Nope-1"}, format="json")
    api.post(LOGIN, {"login": ""}, format="json")  # 400: not a login outcome

    assert _sample("authsvc_logins_total", result="success") == success + 1
    assert _sample("authsvc_logins_total", result="invalid") == invalid + 1


@pytest.mark.parametrize(
    ("status", "result"), [(423, "locked"), (429, "rate_limited"), (200, "success")]
)
def test_locked_and_rate_limited_logins_are_derived_from_the_login_status(status, result):
    # 423 and 429 come from the abuse-defence layer; the mapping is by status code
    request = RequestFactory().post(LOGIN)
    request.resolver_match = resolve(LOGIN)
    before = _sample("authsvc_logins_total", result=result)

    http_request_observe(request=request, status=status, duration_seconds=0.01)

    assert _sample("authsvc_logins_total", result=result) == before + 1


def test_registrations_and_lockouts_are_counted_from_the_audit_trail(api):
    registrations = _sample("authsvc_registrations_total")
    lockouts = _sample("authsvc_lockouts_total")

    api.post(
        "/api/v1/auth/register",
        {"username": "counted", "email": "c@example.com", "password": "Str0ng-Pass!"},
        format="json",
    )
    audit_record(action=AuditAction.ACCOUNT_LOCKED, status=AuditStatus.FAILURE)

    assert _sample("authsvc_registrations_total") == registrations + 1
    assert _sample("authsvc_lockouts_total") == lockouts + 1
    assert _sample("authsvc_audit_events_total", action="account_locked", status="failure") >= 1


def test_breaker_states_are_read_at_scrape_time(api, settings):
    # given: every breaker closed, then the mail breaker opened by real failures
    # (nothing listens on the mail port)
    closed = api.get("/metrics").content.decode()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    for _ in range(settings.CIRCUIT_BREAKERS["mail"]["fail_max"]):
        assert mail_send(to=["a@example.com"], subject="s", body="b") is False

    # when
    opened = api.get("/metrics").content.decode()

    # then
    assert 'authsvc_circuit_breaker_state{breaker="mail"} 0.0' in closed
    assert 'authsvc_circuit_breaker_state{breaker="pwned_passwords"} 0.0' in closed
    assert 'authsvc_circuit_breaker_state{breaker="mail"} 2.0' in opened
    assert 'authsvc_circuit_breaker_state{breaker="pwned_passwords"} 0.0' in opened
    assert opened.count("# TYPE authsvc_circuit_breaker_state gauge") == 1


def test_metrics_are_prometheus_text_open_by_default(api):
    response = api.get("/metrics", HTTP_ACCEPT="text/plain;version=0.0.4;q=0.5,*/*;q=0.1")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert b"# TYPE authsvc_http_requests_total counter" in response.content


def test_metrics_need_the_configured_bearer_token(api, settings):
    settings.AUTH_METRICS_TOKEN = METRICS_TOKEN

    missing = api.get("/metrics")
    wrong = api.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token")
    basic = api.get("/metrics", HTTP_AUTHORIZATION=f"Basic {METRICS_TOKEN}")
    right = api.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}")

    assert_problem(missing, 401, "not_authenticated")
    assert_problem(wrong, 401, "token_invalid")
    assert_problem(basic, 401, "not_authenticated")
    assert missing["WWW-Authenticate"].startswith("Bearer")
    assert right.status_code == 200


def test_probes_and_metrics_are_in_the_openapi_schema(api):
    schema = api.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    readyz = schema["paths"]["/readyz"]["get"]
    metrics = schema["paths"]["/metrics"]["get"]
    assert {"200", "503"} <= set(readyz["responses"])
    assert readyz["responses"]["503"]["content"]["application/problem+json"]["examples"]
    assert "text/plain" in metrics["responses"]["200"]["content"]
    assert "401" in metrics["responses"]
    assert "/healthz" in schema["paths"]


# --- several gunicorn workers, one set of figures ---------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_setup, django_db_blocker):
    server = start_gunicorn(tmp_path_factory.mktemp("metrics"), workers=3)
    yield server
    server.stop()


def _scraped(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(f"{name}{{{wanted}}} "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.mark.django_db(transaction=True)
def test_a_scrape_counts_every_request_served_by_every_worker(server):
    # given three workers, when N requests arrive concurrently
    requests = 24
    with server.client() as http:
        before = _scraped(
            http.get("/metrics").text,
            "authsvc_http_requests_total",
            method="GET", route="api/v1/auth/me", status="401",
        )  # fmt: skip

        def call(_: int) -> int:
            with server.client() as own:
                return own.get("/api/v1/auth/me").status_code

        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(call, range(requests)))
        after = _scraped(
            http.get("/metrics").text,
            "authsvc_http_requests_total",
            method="GET", route="api/v1/auth/me", status="401",
        )  # fmt: skip

    # then one scrape sees all of them, though several workers served them
    assert statuses == [401] * requests
    assert after - before == requests
    access = [
        json.loads(line)
        for line in server.logs().splitlines()
        if '"logger": "authsvc.access"' in line and "/api/v1/auth/me" in line
    ]
    assert len({record["pid"] for record in access}) >= 2


@pytest.mark.django_db(transaction=True)
def test_every_line_gunicorn_and_the_workers_print_is_a_json_object(server):
    with server.client() as http:
        http.get("/healthz", headers={"X-Request-ID": "json-lines-1"})

    lines = [line for line in server.logs().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # raises on any non-JSON line
    loggers = {record["logger"] for record in records}
    assert {"gunicorn.error", "authsvc.access"} <= loggers
    # exactly one access record for the request: the application's, not also gunicorn's
    [access] = [r for r in records if r.get("request_id") == "json-lines-1"]
    assert access["logger"] == "authsvc.access"
    assert {"method", "path", "status", "duration_ms", "client_ip", "user_id"} <= set(access)
    assert {"user_agent", "pid"} <= set(access)
    assert "gunicorn.access" not in loggers
    for record in records:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00", record["timestamp"])
        assert record["level"] in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
