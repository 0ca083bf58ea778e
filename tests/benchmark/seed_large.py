"""Grow a benchmark database to production-like size, in SQL (seconds, not hours).

100,000 users (one precomputed hash), 1,000,000 audit rows, 1,000,000 login-attempt rows
(axes' failure log) and 1,000,000 login sessions (ten per user). Run by run.py --large.
"""

import argparse
import os
import time

import django

POSTGRES = {
    "users": """
        INSERT INTO accounts_user (id, username, email, password, is_superuser, is_active,
                                   is_staff, date_joined)
        SELECT gen_random_uuid(), 'big_' || g, 'big_' || g || '@bench.example', %(hash)s,
               false, true, false, now()
        FROM generate_series(1, %(users)s) g""",
    "sessions": """
        INSERT INTO accounts_login_session (id, user_id, created_at, authenticated_at,
            last_used_at, expires_at, revoke_reason, ip, user_agent, current_jti, previous_jti,
            amr)
        SELECT gen_random_uuid(), u.id, now(), now(), now(), now() + interval '7 days', '',
               '10.0.0.1', 'bench', md5(random()::text), '', 'pwd'
        FROM accounts_user u CROSS JOIN generate_series(1, %(per_user)s)
        WHERE u.username LIKE 'big\\_%%'""",
    "audit": """
        INSERT INTO audit_logs (user_id, action, status, request_id, ip_address, user_agent,
                                details, created_at)
        SELECT NULL, 'login_failed', 'failure', md5(g::text), '10.0.0.1', 'bench', '{}',
               now() - g * interval '1 second'
        FROM generate_series(1, %(rows)s) g""",
    "attempts": """
        INSERT INTO axes_accessfailurelog (user_agent, ip_address, username, http_accept,
                                           path_info, attempt_time, locked_out)
        SELECT 'bench', '10.0.0.1', 'big_' || (g %% %(users)s), '*/*', '/api/v1/auth/login',
               now() - g * interval '1 second', false
        FROM generate_series(1, %(rows)s) g""",
}
_SQLITE_SERIES = "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {n}) "
# "%%": the statements run with parameters, so a literal percent sign is doubled.
_SQLITE_NOW = "strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now')"
SQLITE = {
    "users": _SQLITE_SERIES.format(n="%(users)s")
    + f"""
        INSERT INTO accounts_user (id, username, email, password, is_superuser, is_active,
                                   is_staff, date_joined)
        SELECT lower(hex(randomblob(16))), 'big_' || g, 'big_' || g || '@bench.example',
               %(hash)s, 0, 1, 0, {_SQLITE_NOW}
        FROM s""",
    "sessions": _SQLITE_SERIES.format(n="%(per_user)s")
    + f"""
        INSERT INTO accounts_login_session (id, user_id, created_at, authenticated_at,
            last_used_at, expires_at, revoke_reason, ip, user_agent, current_jti, previous_jti,
            amr)
        SELECT lower(hex(randomblob(16))), u.id, {_SQLITE_NOW}, {_SQLITE_NOW}, {_SQLITE_NOW},
               strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now', '+7 days'), '', '10.0.0.1', 'bench',
               lower(hex(randomblob(16))), '', 'pwd'
        FROM accounts_user u, s WHERE u.username LIKE 'big!_%%' ESCAPE '!'""",
    "audit": _SQLITE_SERIES.format(n="%(rows)s")
    + f"""
        INSERT INTO audit_logs (user_id, action, status, request_id, ip_address, user_agent,
                                details, created_at)
        SELECT NULL, 'login_failed', 'failure', lower(hex(randomblob(16))), '10.0.0.1',
               'bench', '{{}}', {_SQLITE_NOW}
        FROM s""",
    "attempts": _SQLITE_SERIES.format(n="%(rows)s")
    + f"""
        INSERT INTO axes_accessfailurelog (user_agent, ip_address, username, http_accept,
                                           path_info, attempt_time, locked_out)
        SELECT 'bench', '10.0.0.1', 'big_' || (g %% %(users)s), '*/*', '/api/v1/auth/login',
               {_SQLITE_NOW}, 0
        FROM s""",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db import connection, transaction

    from accounts.models import User

    params = {
        "hash": User.objects.get(username="bench_1").password,
        "users": args.users,
        "rows": args.rows,
        "per_user": max(1, args.rows // args.users),
    }
    statements = POSTGRES if connection.vendor == "postgresql" else SQLITE
    for name, sql in statements.items():
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
        print(f"seeded {name} in {time.perf_counter() - start:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if connection.vendor == "sqlite":
            # Fold the seed's write-ahead log into the database file: readers would otherwise
            # search a WAL of hundreds of MB that no real workload builds up.
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


if __name__ == "__main__":
    main()
