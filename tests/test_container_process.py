"""gunicorn started as the image starts it: `gunicorn` with no flags, production settings,
a HOME it cannot write (a non-root container), probed by the image's HEALTHCHECK script.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests import servers
from tests.keys import signing_key_one_line
from tests.servers import free_port

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_HOST = "auth.example.com"


@pytest.fixture(scope="module")
def container(tmp_path_factory, django_db_setup, django_db_blocker):
    port = free_port()
    log_path = tmp_path_factory.mktemp("container") / "gunicorn.log"
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "LANG", "TZ"}}
    env = {
        **keep,
        "HOME": "/proc/authsvc-no-home",  # unwritable even for root, like /nonexistent
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "container-test-secret-" + "x" * 40,
        "AUTH_JWT_PRIVATE_KEY": signing_key_one_line(),
        "DJANGO_ALLOWED_HOSTS": f"{PRODUCTION_HOST},.example.com",
        "DATABASE_URL": servers.test_database_url(),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
        "GUNICORN_GRACEFUL_TIMEOUT": "5",
        "PYTHONUNBUFFERED": "1",
        "LOG_FORMAT": "json",
        # Started without collectstatic: whitenoise warns about the missing directory.
        "DJANGO_STATIC_ROOT": str(tmp_path_factory.mktemp("static") / "never-collected"),
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn"], cwd=ROOT, env=env, stdout=log, stderr=log
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_listening(process, base_url, log_path)
        yield process, base_url, env, log_path
    finally:
        process.terminate()
        process.wait(timeout=15)


def _wait_until_listening(process, base_url, log_path):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, log_path.read_text()
        try:
            httpx.get(f"{base_url}/healthz", headers={"Host": PRODUCTION_HOST}, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"gunicorn did not answer:\n{log_path.read_text()}")


def test_healthcheck_script_passes_against_production_settings(container):
    _process, _base_url, env, _log = container

    result = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "healthcheck.py")],
        env=env, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr


def test_healthcheck_script_fails_when_nothing_answers():
    env = {"PATH": os.environ["PATH"], "GUNICORN_BIND": f"127.0.0.1:{free_port()}"}

    result = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "healthcheck.py")],
        env=env, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip

    assert result.returncode == 1
    assert result.stderr.startswith("healthcheck failed:")


def test_plain_http_probe_is_answered_the_api_refused_and_the_admin_redirected(container):
    _process, base_url, _env, _log = container
    host = {"Host": PRODUCTION_HOST}

    health = httpx.get(f"{base_url}/healthz", headers=host)
    api = httpx.post(
        f"{base_url}/api/v1/auth/login", headers=host, json={"login": "a", "password": "b"}
    )
    admin = httpx.get(f"{base_url}/admin/login/", headers=host)

    assert health.status_code == 200
    assert api.status_code == 403
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json()["code"] == "https_required"
    assert admin.status_code == 301
    assert admin.headers["location"] == f"https://{PRODUCTION_HOST}/admin/login/"


def test_unknown_host_is_refused_as_a_problem(container):
    _process, base_url, _env, _log = container

    response = httpx.get(f"{base_url}/healthz", headers={"Host": "attacker.invalid"})

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_logs_stay_clean_without_a_writable_home(container):
    # gunicorn 27 logs "Control server error" here unless the control socket is disabled.
    _process, _base_url, _env, log_path = container

    logs = log_path.read_text()

    assert "Booting worker" in logs
    assert '"level": "ERROR"' not in logs
    assert "Control server" not in logs
    assert "Traceback" not in logs


def test_every_line_is_one_json_object_python_warnings_included(container):
    _process, base_url, _env, log_path = container
    httpx.get(f"{base_url}/healthz", headers={"Host": PRODUCTION_HOST, "X-Request-ID": "c-json-1"})

    lines = log_path.read_text().splitlines()
    records = [json.loads(line) for line in lines]  # raises on any line that is not JSON

    assert all(isinstance(record, dict) for record in records)
    [warning] = {r["message"] for r in records if r["logger"] == "py.warnings"}
    assert "No directory at" in warning
    [access] = [r for r in records if r.get("request_id") == "c-json-1"]
    assert access["logger"] == "authsvc.access"
