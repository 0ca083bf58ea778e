"""CPU per login and registration beside the password hash: `make bench-cpu`.

At 8 clients on two cores both workers are busy hashing, so whatever a login costs beside
its hash is CPU taken from the hashes, wherever it runs: in the worker, in its PostgreSQL
backend, in redis-server. This adds the three up per request, in process through the WSGI
application (MD5 hasher, so the hash drops out), for this service and, when
``../shared/bench`` and its djoser virtualenv are there, for the djoser + simplejwt peer
that the side-by-side benchmark runs, driven the same way. With one hash taking t, the
service's login throughput on two saturated cores can be at most
(t + the peer's CPU) / (t + ours) of the peer's (docs/performance.md).

Needs PostgreSQL on this machine (the backend's CPU is read from /proc) and Redis;
CPU_DATABASE_URL and CPU_REDIS_URL override the defaults below. The peer runs in its own
virtualenv on its own database (role ``bench``, as ``../shared/bench/setup.sh`` creates it)
and imports nothing of this service: this file is run there by path, stdlib and Django only.
"""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
PEER_DIR = ROOT.parent / "shared" / "bench" / "peers" / "djoser_peer"
# Where ../shared/bench/setup.sh installs the peer; read-only use of a fixed path.
PEER_PYTHON = Path(os.environ.get("CPU_PEER_PYTHON", "/tmp/bench-djoser/bin/python"))  # noqa: S108
DATABASE_URL = os.environ.get("CPU_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/authsvc_cpu")
REDIS_URL = os.environ.get("CPU_REDIS_URL", "redis://127.0.0.1:6379/12")
PEER_DATABASE = "authsvc_cpu_djoser"
PASSWORD = "Zk4!harbor-Quill-Sonnet"  # the side-by-side benchmark's
REQUESTS = 1000
WARM_UP = 30


def _redis_cpu_seconds() -> float:
    """redis-server's user + system CPU so far (INFO cpu), over a bare socket: the peer's
    virtualenv has no Redis client."""
    url = urlsplit(REDIS_URL)
    with socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379), 2) as sock:
        sock.sendall(b"INFO cpu\r\n")
        reply = sock.recv(65536)  # a bulk string: $<length>\r\n<text>\r\n
        header, _, text = reply.partition(b"\r\n")
        while len(text) < int(header[1:]):
            text += sock.recv(65536)
    fields = dict(line.split(":", 1) for line in text.decode().splitlines() if ":" in line)
    return float(fields["used_cpu_user"]) + float(fields["used_cpu_sys"])


def _backend_cpu_seconds(pid: int) -> float:
    """A PostgreSQL backend's user + system CPU so far (/proc/<pid>/stat, fields 14-15)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _setup_service() -> tuple[str, str, Callable[[str], dict[str, str]]]:
    from tests.benchmark.instructions import django_setup_md5

    django_setup_md5(DATABASE_URL, REDIS_URL)
    return "/api/v1/auth/login", "/api/v1/auth/register", lambda name: {"login": name}


def _setup_peer() -> tuple[str, str, Callable[[str], dict[str, str]]]:
    sys.path.insert(0, str(PEER_DIR))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="djoser_peer.settings",
        BENCH_DB="postgres",
        PGHOST="127.0.0.1",
        PGUSER="bench",
        PGPASSWORD="bench",
        PGDATABASE=PEER_DATABASE,
    )
    import django
    from django.conf import settings

    django.setup()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return "/auth/jwt/create/", "/auth/users/", lambda name: {"username": name}


def child(target: str, path: str, count: int) -> None:
    """Runs in the target's own Python: `count` requests of `path`, one JSON line out."""
    sys.path.insert(0, str(ROOT))  # the peer runs this file by path
    from tests.benchmark.wsgi import wsgi_call

    login_url, register_url, login_body = (_setup_service if target == "authsvc" else _setup_peer)()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    user_model = get_user_model()
    user_model.objects.filter(username="cpubeside").delete()
    user_model.objects.create_user(
        username="cpubeside", email="cpubeside@bench.example", password=PASSWORD
    )
    app = get_wsgi_application()

    def post(url: str, body: dict[str, Any]) -> None:
        status, content = wsgi_call(app, "POST", url, json.dumps(body).encode())
        if status[:3] not in ("200", "201"):
            sys.exit(f"bench-cpu: {target} {url} answered {status}: {content[:300]!r}")

    registered = iter(range(10**9))

    def request() -> None:
        if path == "login":
            post(login_url, {**login_body("cpubeside"), "password": PASSWORD})
        else:
            name = f"cpu{os.getpid()}n{next(registered)}"
            body = {"username": name, "email": f"{name}@bench.example", "password": PASSWORD}
            post(register_url, body)

    for _ in range(WARM_UP):  # connections, caches, imports, prepared statements
        request()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    wall, app_cpu = time.perf_counter(), time.process_time()
    pg_cpu, redis_cpu = _backend_cpu_seconds(backend), _redis_cpu_seconds()
    for _ in range(count):
        request()
    ms = 1000 / count
    result = {
        "wall": (time.perf_counter() - wall) * ms,
        "app": (time.process_time() - app_cpu) * ms,
        "postgres": (_backend_cpu_seconds(backend) - pg_cpu) * ms,
        "redis": (_redis_cpu_seconds() - redis_cpu) * ms,
    }
    print("CPUJSON " + json.dumps(result), flush=True)


def _measure(target: str, path: str, count: int) -> dict[str, float]:
    if target == "authsvc":
        command = [sys.executable, "-m", "tests.benchmark.cpu_beside_hash"]
        cwd = ROOT
    else:
        command = [str(PEER_PYTHON), str(Path(__file__).resolve())]
        cwd = PEER_DIR
    done = subprocess.run(
        [*command, "--child", target, path, str(count)],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("CPUJSON ")]
    if done.returncode != 0 or not lines:
        sys.exit(f"bench-cpu: {target} {path} failed:\n{done.stderr[-2000:]}")
    return json.loads(lines[-1].removeprefix("CPUJSON "))


def _create_database(name: str, owner: str | None = None) -> None:
    import psycopg

    url = urlsplit(DATABASE_URL)
    with psycopg.connect(
        host=url.hostname, port=url.port or 5432, user=url.username, dbname="postgres",
        autocommit=True,
    ) as conn:  # fmt: skip
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        conn.execute(f'CREATE DATABASE "{name}"' + (f' OWNER "{owner}"' if owner else ""))


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    count = int(sys.argv[1]) if len(sys.argv) > 1 else REQUESTS
    import psycopg

    try:
        _create_database(urlsplit(DATABASE_URL).path.lstrip("/"))
        _redis_cpu_seconds()
    except (OSError, psycopg.OperationalError) as exc:
        sys.exit(f"bench-cpu needs PostgreSQL ({DATABASE_URL}) and Redis ({REDIS_URL}): {exc}")
    targets = ["authsvc"]
    if PEER_PYTHON.exists() and PEER_DIR.exists():
        _create_database(PEER_DATABASE, owner="bench")
        targets.append("djoser")
    else:
        print(f"(no djoser peer: {PEER_DIR} or {PEER_PYTHON} missing; ../shared/bench/setup.sh)")
    print(f"{count} requests each, in process, MD5 hasher; ms of CPU per request beside the hash")
    print("| target | request | app | PostgreSQL | Redis | CPU in all | wall |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for path in ("login", "register"):
        for target in targets:
            cost = _measure(target, path, count)
            total = cost["app"] + cost["postgres"] + cost["redis"]
            print(
                f"| {target} | {path} | {cost['app']:.2f} | {cost['postgres']:.2f} | "
                f"{cost['redis']:.2f} | {total:.2f} | {cost['wall']:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
