"""CPU instructions per request, in process, counted by callgrind: `make bench-instructions`.

Wall-clock figures on this VM drift (the same Python loop took 32 ms, then 60 ms, seconds
apart), so a change worth 5 % cannot be seen in them. valgrind's callgrind counts
instructions instead, which come out the same from run to run within about 1 %. This runs
a request N times through the WSGI application gunicorn calls (no server, no sockets
but the database's and Redis's; the access record goes to stdout) under callgrind, and
again 0 times; the difference over N is the instructions of one request. The password
hasher is MD5 here, so a login counts everything but its bcrypt, which is the part worth
measuring (bcrypt's cost is fixed).

Run on SQLite (a temporary file) by default; DATABASE_URL and REDIS_URL select
PostgreSQL and Redis as in production.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.benchmark.run import PASSWORD, service_env
from tests.benchmark.wsgi import wsgi_call

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 30
PATHS = ("login", "register", "me", "healthz")


def django_setup_md5(database_url: str, redis_url: str | None) -> None:
    """Django with the production settings and an MD5 hasher, for in-process counting."""
    os.environ.update(service_env(database_url, redis_url))
    import django
    from django.conf import settings

    django.setup()
    # Everything but the hash: bcrypt's cost is fixed, the rest is what code changes move.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def prepare(database_url: str, redis_url: str | None) -> None:
    """Migrate and seed one user (outside valgrind: only requests are counted)."""
    django_setup_md5(database_url, redis_url)
    from django.core.management import call_command

    from accounts.models import User

    call_command("migrate", verbosity=0, interactive=False)
    User.objects.filter(username="counted").delete()
    User.objects.create_user("counted", "counted@bench.example", PASSWORD)


def child(database_url: str, redis_url: str | None, path: str, count: int) -> None:
    """Runs under callgrind: warm up, then `count` requests of `path`."""
    django_setup_md5(database_url, redis_url)
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()  # what gunicorn calls: no test client around it

    def call(method: str, url: str, body: bytes = b"", **headers: str) -> tuple[str, bytes]:
        return wsgi_call(app, method, url, body, **headers)

    body = json.dumps({"login": "counted", "password": PASSWORD}).encode()

    def login() -> dict:
        status, content = call("POST", "/api/v1/auth/login", body)
        assert status.startswith("200"), content
        return json.loads(content)

    access = login()["access"]

    def me() -> None:
        status, content = call("GET", "/api/v1/auth/me", authorization=f"Bearer {access}")
        assert status.startswith("200"), content

    def healthz() -> None:
        status, content = call("GET", "/healthz")
        assert status.startswith("200"), content

    registered = iter(range(1_000_000))

    def register() -> None:
        name = f"reg{os.getpid()}n{next(registered)}"
        payload = {"username": name, "email": f"{name}@bench.example", "password": PASSWORD}
        status, content = call("POST", "/api/v1/auth/register", json.dumps(payload).encode())
        assert status.startswith("201"), content

    run = {"login": login, "register": register, "me": me, "healthz": healthz}[path]
    for _ in range(5 + count):  # the first five warm connections, caches and imports
        run()


def instructions(database_url: str, redis_url: str | None, path: str, count: int) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "tests.benchmark.instructions",
        "--child",
        path,
        str(count),
    ]
    env = {**os.environ, "PYTHONMALLOC": "malloc", "BENCH_DATABASE_URL": database_url}
    if redis_url:
        env["BENCH_REDIS_URL"] = redis_url
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    collected = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or collected is None:
        sys.exit(f"bench-instructions: the {path} run failed:\n{done.stderr[-2000:]}")
    return int(collected.group(1))


def main() -> None:
    redis_url = os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL") or None
    if sys.argv[1:2] == ["--child"]:
        child(os.environ["BENCH_DATABASE_URL"], redis_url, sys.argv[2], int(sys.argv[3]))
        return
    if not shutil.which("valgrind"):
        sys.exit("bench-instructions needs valgrind (Debian: apt-get install valgrind)")
    with tempfile.TemporaryDirectory(prefix="authsvc-instructions-") as tmp:
        database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        subprocess.run(
            [sys.executable, "-c", "from tests.benchmark.instructions import prepare; "
             f"prepare({database_url!r}, {redis_url!r})"],
            cwd=ROOT,
            check=True,
        )  # fmt: skip
        print(f"database: {database_url.split('@')[-1]}, redis: {redis_url or 'none'}")
        print("| request | M instructions (callgrind, in process, MD5 hasher) |\n|---|---:|")
        for path in PATHS:
            base = instructions(database_url, redis_url, path, 0)
            loaded = instructions(database_url, redis_url, path, REQUESTS)
            print(f"| {path} | {(loaded - base) / REQUESTS / 1e6:.2f} |", flush=True)


if __name__ == "__main__":
    main()
