"""Start-up configuration, exercised in a fresh interpreter as an operator would."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_missing_secret_key_stops_startup_with_one_clear_line():
    result = _manage("check")

    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "authsvc: DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off."
    ]


def test_debug_mode_runs_without_a_secret_key():
    assert _manage("check", DJANGO_DEBUG="1").returncode == 0


def test_malformed_boolean_is_refused_by_name():
    result = _manage("check", DJANGO_DEBUG="maybe")

    assert result.returncode != 0
    assert "DJANGO_DEBUG" in result.stderr


@pytest.mark.postgres
def test_database_pool_switch_uses_djangos_native_psycopg_pool():
    code = (
        "from django.db import connection; connection.ensure_connection(); "
        "print(type(connection.pool).__name__, connection.settings_dict['CONN_MAX_AGE'])"
    )

    result = _manage(
        "shell", "-c", code, DJANGO_DEBUG="1", DATABASE_URL=os.environ["DATABASE_URL"],
        DATABASE_POOL="1",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["ConnectionPool", "0"]
