"""Start-up configuration, exercised in a fresh interpreter as an operator would."""

import os

import pytest

from tests.servers import run_manage


def test_missing_secret_key_stops_startup_with_one_clear_line():
    result = run_manage("check")

    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "authsvc: DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off."
    ]


def test_debug_mode_runs_without_a_secret_key():
    assert run_manage("check", DJANGO_DEBUG="1").returncode == 0


def test_malformed_boolean_is_refused_by_name():
    result = run_manage("check", DJANGO_DEBUG="maybe")

    assert result.returncode != 0
    assert "DJANGO_DEBUG" in result.stderr


@pytest.mark.postgres
def test_database_pool_switch_uses_djangos_native_psycopg_pool():
    code = (
        "from django.db import connection; connection.ensure_connection(); "
        "print(type(connection.pool).__name__, connection.settings_dict['CONN_MAX_AGE'])"
    )

    result = run_manage(
        "shell", "-c", code, DJANGO_DEBUG="1", DATABASE_URL=os.environ["DATABASE_URL"],
        DATABASE_POOL="1",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["ConnectionPool", "0"]


@pytest.mark.postgres
@pytest.mark.parametrize(("switch", "prepared"), [("1", True), ("0", False)])
def test_statements_run_repeatedly_are_prepared_on_the_server_unless_switched_off(switch, prepared):
    # the same query six times on one connection, then what PostgreSQL holds prepared
    code = (
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    for number in range(6): cursor.execute('SELECT %s + 1', [number])\n"
        "    cursor.execute('SELECT count(*) FROM pg_prepared_statements')\n"
        "    print(cursor.fetchone()[0])\n"
    )

    result = run_manage(
        "shell", "-c", code, DJANGO_DEBUG="1", DATABASE_URL=os.environ["DATABASE_URL"],
        DATABASE_PREPARED_STATEMENTS=switch,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert (int(result.stdout.splitlines()[-1]) > 0) is prepared
