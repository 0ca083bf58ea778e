"""The performance benchmark: `make bench` (see docs/performance.md).

Starts the service as production does (gunicorn from the repo's config, debug off) on
SQLite and on PostgreSQL, seeds users with one precomputed hash, drives load with wrk
from a separate process over loopback, each phase bounded in time, and prints a table
(also written as JSON). Not part of the test suite: nothing here asserts a timing.
"""

import argparse
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from tests.keys import signing_key_one_line

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PASSWORD = "Bench-Pass-42!"
CLIENTS = 8


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def service_env(database_url: str) -> dict[str, str]:
    """Production settings, loopback-only, with abuse limits lifted so they do not cap load."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "benchmark-only-secret-key-0123456789abcdefghijklmnop",
        "AUTH_JWT_PRIVATE_KEY": signing_key_one_line(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "AUTH_LOGIN_RATE": "1000000/s",
        "AUTH_REGISTER_RATE": "1000000/s",
        "AUTH_LOCKOUT_THRESHOLD": "1000000",
        "DJANGO_SECURE_COOKIES": "0",  # the admin phases log in over plain loopback HTTP
        "PYTHONUNBUFFERED": "1",
    }


def seed(env: dict[str, str], users: int) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.benchmark.seed",
            "--users",
            str(users),
            "--password",
            PASSWORD,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def start_server(env: dict[str, str], log_path: Path, extra_args: list[str]) -> tuple:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        *extra_args,
    ]
    log = log_path.open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"server did not start; see {log_path}")


def worker_rss_mib(master_pid: int) -> list[float]:
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master_pid}$", text, re.M):
            match = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
            if match:
                sizes.append(round(int(match.group(1)) / 1024, 1))
    return sorted(sizes)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def wrk(
    base: str,
    path: str,
    seconds: int,
    clients: int,
    script: str | None = None,
    headers: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
) -> dict:
    command = [
        "wrk",
        f"-t{clients}",  # one connection per thread: refresh.lua follows one chain per thread
        f"-c{clients}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "30s",
    ]
    if script:
        command += ["-s", str(HERE / script)]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*command, base + path],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    ).stdout
    result = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50_ms": _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        "p99_ms": _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
        "non_2xx": int(m.group(1))
        if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out))
        else 0,
    }
    errors = re.search(r"Socket errors: (.*)", out)
    result["socket_errors"] = errors.group(1) if errors else ""
    return result


def run_database(name: str, database_url: str, args: argparse.Namespace, workdir: Path) -> dict:
    env = service_env(database_url)
    seeded = seed(env, args.users)
    t = seeded["hash_seconds"]
    cores = os.cpu_count() or 1
    limit = cores / t
    process, base = start_server(env, workdir / f"gunicorn-{name}.log", args.gunicorn_args)
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            login = http.post("/api/v1/auth/login", json={"login": "bench_1", "password": PASSWORD})
            login.raise_for_status()
            access = login.json()["access"]
            schema_paths = http.get("/api/schema", headers={"Accept": "application/json"}).json()
            has_refresh = "/api/v1/auth/token/refresh" in schema_paths.get("paths", {})
            refresh_tokens = []
            if has_refresh:
                for n in range(CLIENTS):
                    body = {"login": f"bench_{n + 10}", "password": PASSWORD}
                    refresh_tokens.append(
                        http.post("/api/v1/auth/login", json=body).json()["refresh"]
                    )
        seconds = args.seconds
        wrk_env = {
            "BENCH_PASSWORD": PASSWORD,
            "BENCH_USERS": str(args.users),
            "BENCH_RUN": str(int(time.time())),
        }
        phases = {}
        phases["login_8"] = wrk(base, "/", seconds, CLIENTS, "login.lua", env=wrk_env)
        phases["login_1"] = wrk(base, "/", seconds, 1, "login.lua", env=wrk_env)
        phases["register_8"] = wrk(base, "/", seconds, CLIENTS, "register.lua", env=wrk_env)
        bearer = {"Authorization": f"Bearer {access}"}
        phases["me_8"] = wrk(base, "/api/v1/auth/me", seconds, CLIENTS, headers=bearer)
        phases["healthz_8"] = wrk(base, "/healthz", seconds, CLIENTS)
        if has_refresh:
            phases["refresh_8"] = wrk(
                base,
                "/",
                seconds,
                CLIENTS,
                "refresh.lua",
                env={"BENCH_REFRESH_TOKENS": ",".join(refresh_tokens)},
            )
        rss = worker_rss_mib(process.pid)
        growth = measure_growth(base, env, args, refresh_tokens, access) if args.large else None
    finally:
        process.terminate()
        process.wait(timeout=30)
    ratios = {
        "login_8_vs_limit": phases["login_8"]["rps"] / limit,
        "login_1_p50_vs_t": phases["login_1"]["p50_ms"] / 1000 / t,
        "login_1_p99_vs_t": phases["login_1"]["p99_ms"] / 1000 / t,
        "register_8_vs_limit": phases["register_8"]["rps"] / limit,
        "me_vs_healthz": phases["me_8"]["rps"] / phases["healthz_8"]["rps"],
    }
    return {
        "database": name,
        "hash_seconds": t,
        "cores": cores,
        "limit_rps": limit,
        "phases": phases,
        "ratios": ratios,
        "worker_rss_mib": rss,
        "growth": growth,
    }


def admin_cookie(base: str) -> str:
    """A logged-in admin session cookie, through the real admin login form."""
    with httpx.Client(base_url=base, timeout=30) as http:
        page = http.get("/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        http.post(
            "/admin/login/?next=/admin/",
            data={"username": "bench_admin", "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{base}/admin/login/"},
        )
        return f"sessionid={http.cookies['sessionid']}; csrftoken={http.cookies['csrftoken']}"


def growth_phases(base: str, seconds: int, access: str, refresh_tokens: list[str]) -> dict:
    cookie = {"Cookie": admin_cookie(base)}
    users = "/admin/accounts/user/"
    env = {"BENCH_PASSWORD": PASSWORD, "BENCH_USERS": "1000"}
    phases = {
        "login_8": wrk(base, "/", seconds, CLIENTS, "login.lua", env=env),
        "me_8": wrk(
            base, "/api/v1/auth/me", seconds, CLIENTS, headers={"Authorization": f"Bearer {access}"}
        ),
        "admin_users_8": wrk(base, users, seconds, CLIENTS, headers=cookie),
        "admin_search_8": wrk(base, f"{users}?q=bench_500", seconds, CLIENTS, headers=cookie),
        "admin_locked_8": wrk(base, f"{users}?locked=yes", seconds, CLIENTS, headers=cookie),
    }
    if refresh_tokens:
        phases["refresh_8"] = wrk(
            base,
            "/",
            seconds,
            CLIENTS,
            "refresh.lua",
            env={"BENCH_REFRESH_TOKENS": ",".join(refresh_tokens)},
        )
    return phases


def measure_growth(
    base: str, env: dict[str, str], args: argparse.Namespace, refresh_tokens: list[str], access: str
) -> dict:
    """The same phases before and after growing the data 100-fold; ratios seeded/empty."""
    seconds = max(5, args.seconds // 2)
    with httpx.Client(base_url=base, timeout=30) as http:
        fresh = [
            http.post(
                "/api/v1/auth/login", json={"login": f"bench_{n + 100}", "password": PASSWORD}
            ).json()["refresh"]
            for n in range(2 * CLIENTS)
        ]
    empty = growth_phases(base, seconds, access, fresh[:CLIENTS] if refresh_tokens else [])
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "tests.benchmark.seed_large"], cwd=ROOT, env=env, check=True
    )
    seed_seconds = time.monotonic() - started
    seeded = growth_phases(base, seconds, access, fresh[CLIENTS:] if refresh_tokens else [])
    return {
        "seed_seconds": round(seed_seconds, 1),
        "empty": empty,
        "seeded": seeded,
        "rps_ratio_seeded_vs_empty": {k: seeded[k]["rps"] / empty[k]["rps"] for k in empty},
    }


def table(results: list[dict]) -> str:
    lines = []
    for r in results:
        p, q = r["phases"], r["ratios"]
        lines.append(
            f"\n## {r['database']}: t = {r['hash_seconds'] * 1000:.0f} ms per hash, "
            f"{r['cores']} cores, limit = cores/t = {r['limit_rps']:.2f} logins/s"
        )
        lines.append("| phase | req/s | p50 ms | p99 ms | non-2xx | ratio |")
        lines.append("|---|---:|---:|---:|---:|---|")
        notes = {
            "login_8": f"{q['login_8_vs_limit']:.0%} of limit",
            "login_1": f"p50 {q['login_1_p50_vs_t']:.2f}×t, p99 {q['login_1_p99_vs_t']:.2f}×t",
            "register_8": f"{q['register_8_vs_limit']:.0%} of limit",
            "me_8": f"{q['me_vs_healthz']:.0%} of /healthz",
        }
        for phase, m in p.items():
            lines.append(
                f"| {phase} | {m['rps']:.1f} | {m['p50_ms']:.1f} | {m['p99_ms']:.1f} | "
                f"{m['non_2xx']} | {notes.get(phase, '')} |"
            )
        lines.append(f"\nworker RSS (MiB): {r['worker_rss_mib']}")
        if g := r.get("growth"):
            lines.append(
                f"\n### {r['database']}: growth to 100k users, 1M audit, 1M attempts, "
                f"1M sessions (seeded in {g['seed_seconds']} s)"
            )
            lines.append("| phase | empty req/s | seeded req/s | seeded/empty | seeded p99 ms |")
            lines.append("|---|---:|---:|---:|---:|")
            for phase, ratio in g["rps_ratio_seeded_vs_empty"].items():
                lines.append(
                    f"| {phase} | {g['empty'][phase]['rps']:.1f} | "
                    f"{g['seeded'][phase]['rps']:.1f} | {ratio:.0%} | "
                    f"{g['seeded'][phase]['p99_ms']:.1f} |"
                )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--postgres-url", default="postgres://root@127.0.0.1:5432/authsvc_bench")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--large", action="store_true", help="also measure growth to 100k users")
    parser.add_argument("--out", default=str(ROOT / "var" / "bench.json"))
    parser.add_argument("gunicorn_args", nargs="*", help="extra gunicorn arguments, after --")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("benchmark: wrk is required (Debian: apt-get install wrk)")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for name in args.databases.split(","):
            if name == "sqlite":
                url = f"sqlite:///{workdir / 'bench.sqlite3'}"
            else:
                url = args.postgres_url
                db = url.rsplit("/", 1)[1]
                subprocess.run(
                    ["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "root", db], check=True
                )
                subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "root", db], check=True)
            results.append(run_database(name, url, args, workdir))
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "command": "make bench",
        "gunicorn_args": args.gunicorn_args,
        "results": results,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))
    print(table(results))
    print(f"\nJSON: {args.out}")


if __name__ == "__main__":
    main()
