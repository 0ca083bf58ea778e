"""The performance benchmark: `make bench` (see docs/performance.md).

Starts the service as production does (gunicorn from the repo's config, debug off) on
SQLite (embedded, no other service) and on PostgreSQL with Redis as docker-compose.yml
deploys it, seeds users with one precomputed hash, drives load with wrk from a separate
process over loopback, each phase bounded in time, and prints a table (also written as
JSON). Not part of the test suite: nothing here asserts a timing.

This 2-core VM drifts (Python code up to 2x slower over tens of seconds, bcrypt timings
jumping by 10-20 % between neighbouring samples), so the method keeps each comparison
local in time: the workers are idle before every phase (quiesce); the hashing phases
(login_8, register_8) run in slices with hashes timed between them, and the phase is
rated against the median of those; /me and /healthz alternate in short slices rather
than two separate windows. A hashing slice's rate is its steady rate (steady.lua), which
neither counts the start at empty queues nor loses the hashes in flight when wrk stops
(both a few per cent of 30 s).
"""

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import redis

from tests.keys import signing_key_one_line

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PASSWORD = "Bench-Pass-42!"
CLIENTS = 8
HASH_SAMPLES = 5  # hashes timed before a hashing phase's first slice and after each
SLICE_SECONDS = 3  # one /me or /healthz slice of the interleaved comparison
QUIESCE_POLL = 0.25  # seconds between two looks at the workers' CPU time
QUIESCE_IDLE = 0.05  # idle: the workers together use less than 5 % of one core
QUIESCE_CAP = 15.0  # seconds after which a phase starts anyway (and the JSON says so)
GROWTH_ROUNDS = 3  # rounds of every growth phase in turn, per pass (empty, then seeded)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def service_env(database_url: str, redis_url: str | None = None) -> dict[str, str]:
    """Production settings, loopback-only, with abuse limits lifted so they do not cap load.

    REDIS_URL switches the cache (rate-limit counters) and the circuit breakers' state to
    Redis (config/settings.py). It is set only when asked for, never inherited from the
    caller's environment, so the SQLite leg stays without external services.
    """
    inherited = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    return {
        **inherited,
        **({"REDIS_URL": redis_url} if redis_url else {}),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "benchmark-only-secret-key-0123456789abcdefghijklmnop",
        "AUTH_JWT_PRIVATE_KEY": signing_key_one_line(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "AUTH_LOGIN_RATE": "1000000/s",
        "AUTH_REGISTER_RATE": "1000000/s",
        "AUTH_REFRESH_RATE": "1000000/s",  # else refresh_8 measures 429s past the 60th
        "AUTH_LOCKOUT_THRESHOLD": "1000000",
        "DJANGO_SECURE_COOKIES": "0",  # the admin phases log in over plain loopback HTTP
        "PYTHONUNBUFFERED": "1",
    }


def _seed_py(env: dict[str, str], *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "tests.benchmark.seed", "--password", PASSWORD, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def seed(env: dict[str, str], users: int) -> dict:
    return _seed_py(env, "--users", str(users))


def time_hashes(env: dict[str, str], count: int = HASH_SAMPLES) -> list[float]:
    """Seconds each of `count` production hashes takes, timed now, with the server's settings.

    A subprocess because Django's hasher needs the service's settings, which this process
    does not load; it is the same code path seed.py times, run at the moment it matters.
    """
    return _seed_py(env, "--hash-only", str(count))["hash_samples"]


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


def _children_cpu_ticks(master_pid: int) -> dict[int, int]:
    """utime + stime (clock ticks, all threads) of each child of the gunicorn master."""
    ticks = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        # After the command name, which is in parentheses and may hold spaces: field 3
        # (state) is fields[0], so ppid (4) is fields[1], utime (14) and stime (15) are 11, 12.
        fields = text.rsplit(")", 1)[1].split()
        if int(fields[1]) == master_pid:
            ticks[int(stat.parent.name)] = int(fields[11]) + int(fields[12])
    return ticks


def quiesce(master_pid: int, cap: float = QUIESCE_CAP) -> dict:
    """Wait until the gunicorn workers are idle, so no phase inherits the previous one's work.

    When a hashing phase ends, wrk stops counting but up to 8 requests are still in
    flight, each ~0.3 s of bcrypt on 2 cores: 1-2 s of work that ran into the next
    phase (login_1's p99 was 3.8 x t from login_8's leftovers). Idle means two consecutive
    polls, 0.25 s apart, in which the master's children together used less than 5 % of
    one core. After `cap` seconds it proceeds anyway and says so ("settled": false).
    """
    ticks_per_second = os.sysconf("SC_CLK_TCK")
    started = then = time.monotonic()
    before = _children_cpu_ticks(master_pid)
    quiet_polls = 0
    while True:
        time.sleep(QUIESCE_POLL)
        now = time.monotonic()
        ticks = _children_cpu_ticks(master_pid)
        # A worker that is new since the last poll counts in full: it is busy starting.
        busy = sum(n - before.get(pid, 0) for pid, n in ticks.items()) / ticks_per_second
        quiet_polls = quiet_polls + 1 if busy / (now - then) < QUIESCE_IDLE else 0
        before, then = ticks, now
        if quiet_polls >= 2 or now - started >= cap:
            return {"waited_s": round(now - started, 2), "settled": quiet_polls >= 2}


def settle(master_pid: int, waits: dict, label: str) -> None:
    """quiesce() before the phase `label`, recorded in `waits`; a timeout is printed too."""
    waits[label] = quiesce(master_pid)
    if not waits[label]["settled"]:
        print(
            f"benchmark: workers still busy after {waits[label]['waited_s']} s "
            f"before {label}; proceeding",
            file=sys.stderr,
        )


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
        env={**os.environ, "LUA_PATH": f"{HERE}/?.lua;;", **(env or {})},
    ).stdout
    result = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "seconds": _ms(re.search(r"\d+ requests in ([\d.]+\w+),", out).group(1)) / 1000,
        "p50_ms": _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        "p99_ms": _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
        "non_2xx": int(m.group(1))
        if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out))
        else 0,
    }
    if steady := re.search(r"^steady_rps: ([\d.]+)$", out, re.M):
        result["steady_rps"] = float(steady.group(1))  # steady.lua: no start, no cut-off end
    errors = re.search(r"Socket errors: (.*)", out)
    result["socket_errors"] = errors.group(1) if errors else ""
    return result


def _steady(phase: dict) -> float:
    """steady.lua's rate, or wrk's when the phase was too short to have one."""
    return phase.get("steady_rps", phase["rps"])


def combine(slices: list[dict]) -> dict:
    """One phase from its slices.

    req/s = total requests / total seconds. wrk reports percentiles, not its histogram,
    so they cannot be merged exactly: p50 is the median of the slice p50s and p99 the
    max of the slice p99s (an upper bound), as the table's note says.
    """
    requests = sum(s["requests"] for s in slices)
    seconds = sum(s["seconds"] for s in slices)
    steady = [s["steady_rps"] for s in slices if "steady_rps" in s]
    return {
        "rps": requests / seconds,
        **({"steady_rps": statistics.mean(steady)} if len(steady) == len(slices) else {}),
        "requests": requests,
        "seconds": seconds,
        "p50_ms": statistics.median(s["p50_ms"] for s in slices),
        "p99_ms": max(s["p99_ms"] for s in slices),
        "non_2xx": sum(s["non_2xx"] for s in slices),
        "socket_errors": "; ".join(s["socket_errors"] for s in slices if s["socket_errors"]),
        "slices": slices,
    }


def hashing_rounds(
    base: str,
    env: dict[str, str],
    master_pid: int,
    waits: dict,
    phase: str,
    script: str,
    wrk_env: dict[str, str],
    args: argparse.Namespace,
) -> tuple[dict, list[list[float]]]:
    """A hashing phase as `args.hash_rounds` slices with t timed between them.

    Returns the combined phase and the hash timings: before the first slice, then after
    each. This machine's bcrypt time jumps (313 ms before a 30 s phase, 274 ms after it;
    in another run 289 ms, then 353 ms, while the logins' rate in the slices either side
    moved by 3 %), so one timing next to one long phase can miss by 10 %; the phase's t
    is the median of hashes spread over its whole span.
    """
    settle(master_pid, waits, f"hash_before_{phase}")
    timings = [time_hashes(env)]
    slices = []
    for number in range(1, args.hash_rounds + 1):
        settle(master_pid, waits, f"{phase}_{number}")
        # register.lua's names are unique per BENCH_RUN: one per slice.
        run = {**wrk_env, "BENCH_RUN": f"{wrk_env['BENCH_RUN']}s{number}"}
        slices.append(wrk(base, "/", args.hash_seconds, CLIENTS, script, env=run))
        settle(master_pid, waits, f"hash_after_{phase}_{number}")
        timings.append(time_hashes(env))
    return combine(slices), timings


def phase_t(timings: list[list[float]]) -> float:
    """The phase's t: the median of all its hashes (before the first slice and after each)."""
    return statistics.median(sample for times in timings for sample in times)


def round_ratios_vs_limit(phase: dict, timings: list[list[float]], cores: int) -> list[float]:
    """Each slice's steady rate against cores / t, t = the phase's median hash."""
    t = phase_t(timings)
    return [_steady(part) * t / cores for part in phase["slices"]]


def me_vs_healthz(base: str, access: str, rounds: int) -> tuple[dict, dict, list[float]]:
    """/me and /healthz in alternating short slices: (me_8, healthz_8, per-round ratios).

    Measured as two separate 15 s windows, this machine's drift alone (Python code up to
    2x slower over tens of seconds) moved the ratio between 17 % and 78 % with no code
    change. Alternating 3 s slices expose both endpoints to the same drift; the spread of
    the per-round ratios shows how much drift is left within a round.
    """
    bearer = {"Authorization": f"Bearer {access}"}
    me, healthz = [], []
    for _ in range(rounds):
        me.append(wrk(base, "/api/v1/auth/me", SLICE_SECONDS, CLIENTS, headers=bearer))
        healthz.append(wrk(base, "/healthz", SLICE_SECONDS, CLIENTS))
    ratios = [m["rps"] / h["rps"] for m, h in zip(me, healthz, strict=True)]
    return combine(me), combine(healthz), ratios


def prepare_redis(url: str) -> str | None:
    """Empty the benchmark's Redis db (FLUSHDB); None if done, else why Redis is unusable.

    Rate-limit counters and breaker state left by an earlier run must not carry over.
    """
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        client.flushdb()
        client.close()
    except redis.RedisError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def run_database(
    name: str,
    database_url: str,
    args: argparse.Namespace,
    workdir: Path,
    redis_url: str | None = None,
    redis_note: str = "",
) -> dict:
    env = service_env(database_url, redis_url)
    seeded = seed(env, args.users)
    cores = os.cpu_count() or 1
    process, base = start_server(env, workdir / f"gunicorn-{name}.log", args.gunicorn_args)
    pid = process.pid
    waits: dict[str, dict] = {}
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
        phases, hashing = {}, {}

        def hashing_phase(phase: str, script: str) -> None:
            phases[phase], hashing[phase] = hashing_rounds(
                base, env, pid, waits, phase, script, wrk_env, args
            )

        hashing_phase("login_8", "login.lua")
        settle(pid, waits, "login_1")
        phases["login_1"] = wrk(base, "/", seconds, 1, "login.lua", env=wrk_env)
        hashing_phase("register_8", "register.lua")
        settle(pid, waits, "me_8")  # and healthz_8: they alternate from here
        phases["me_8"], phases["healthz_8"], round_ratios = me_vs_healthz(base, access, args.rounds)
        if has_refresh:
            settle(pid, waits, "refresh_8")
            phases["refresh_8"] = wrk(
                base,
                "/",
                seconds,
                CLIENTS,
                "refresh.lua",
                env={"BENCH_REFRESH_TOKENS": ",".join(refresh_tokens)},
            )
        rss = worker_rss_mib(pid)
        growth = (
            measure_growth(base, env, args, refresh_tokens, access, pid, waits)
            if args.large
            else None
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
    t = phase_t(hashing["login_8"])
    limit = cores / t
    login_rounds = round_ratios_vs_limit(phases["login_8"], hashing["login_8"], cores)
    register_rounds = round_ratios_vs_limit(phases["register_8"], hashing["register_8"], cores)
    ratios = {
        "login_8_vs_limit": statistics.mean(login_rounds),
        "login_8_vs_limit_rounds": login_rounds,
        "login_1_p50_vs_t": phases["login_1"]["p50_ms"] / 1000 / t,
        "login_1_p99_vs_t": phases["login_1"]["p99_ms"] / 1000 / t,
        "register_8_vs_limit": statistics.mean(register_rounds),
        "register_8_vs_limit_rounds": register_rounds,
        "me_vs_healthz": phases["me_8"]["rps"] / phases["healthz_8"]["rps"],
        "me_vs_healthz_min": min(round_ratios),
        "me_vs_healthz_max": max(round_ratios),
        "me_vs_healthz_rounds": round_ratios,
    }
    return {
        "database": name,
        "hash_seconds": t,
        "hash_samples": hashing,
        "hash_seconds_at_seed": seeded["hash_seconds"],
        "redis": {"used": redis_url is not None, "url": redis_url, "note": redis_note},
        "cores": cores,
        "limit_rps": limit,
        "phases": phases,
        "ratios": ratios,
        "quiesce": waits,
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


def growth_phases(
    base: str,
    env: dict[str, str],
    seconds: int,
    access: str,
    refresh_tokens: list[list[str]],
    master_pid: int,
    waits: dict,
    label: str,
) -> dict:
    """One pass of the growth phases: GROWTH_ROUNDS rounds of every phase in turn.

    Each slice starts after quiesce() (recorded as `label`/phase_round). /healthz runs in
    every round as the drift reference, and hashes are timed before and after the pass
    (login's reference). `refresh_tokens` holds one set of chains per round: a refresh
    token is spent once.
    """
    cookie = {"Cookie": admin_cookie(base)}
    users = "/admin/accounts/user/"
    login_env = {"BENCH_PASSWORD": PASSWORD, "BENCH_USERS": "1000"}
    bearer = {"Authorization": f"Bearer {access}"}
    runs = {
        "login_8": lambda _: wrk(base, "/", seconds, CLIENTS, "login.lua", env=login_env),
        "me_8": lambda _: wrk(base, "/api/v1/auth/me", seconds, CLIENTS, headers=bearer),
        "admin_users_8": lambda _: wrk(base, users, seconds, CLIENTS, headers=cookie),
        "admin_search_8": lambda _: wrk(
            base, f"{users}?q=bench_500", seconds, CLIENTS, headers=cookie
        ),
        "admin_locked_8": lambda _: wrk(
            base, f"{users}?locked=yes", seconds, CLIENTS, headers=cookie
        ),
        "healthz_8": lambda _: wrk(base, "/healthz", seconds, CLIENTS),
    }
    if refresh_tokens:
        runs["refresh_8"] = lambda number: wrk(
            base,
            "/",
            seconds,
            CLIENTS,
            "refresh.lua",
            env={"BENCH_REFRESH_TOKENS": ",".join(refresh_tokens[number])},
        )
    settle(master_pid, waits, f"{label}/hash_before")
    hashes = time_hashes(env)
    slices: dict[str, list[dict]] = {phase: [] for phase in runs}
    for number in range(GROWTH_ROUNDS):
        for phase, run in runs.items():
            settle(master_pid, waits, f"{label}/{phase}_{number + 1}")
            slices[phase].append(run(number))
    settle(master_pid, waits, f"{label}/hash_after")
    hashes += time_hashes(env)
    return {
        "phases": {phase: combine(parts) for phase, parts in slices.items()},
        "hash_seconds": statistics.median(hashes),
    }


def _drift_free(pass_: dict, phase: str) -> float:
    """A phase's rate in units that this machine's drift does not move.

    Login is bcrypt-bound: its rate times the pass's t (its share of the hashing limit).
    The rest are Python-bound: their rate over /healthz's in the same pass, which is the
    same middleware and no database, so the data's growth cannot move it.
    """
    rate = pass_["phases"][phase]["rps"]
    if phase == "login_8":
        return rate * pass_["hash_seconds"]
    return rate / pass_["phases"]["healthz_8"]["rps"]


def measure_growth(
    base: str,
    env: dict[str, str],
    args: argparse.Namespace,
    refresh_tokens: list[str],
    access: str,
    master_pid: int,
    waits: dict,
) -> dict:
    """The same phases before and after growing the data 100-fold; ratios seeded/empty."""
    seconds = max(4, args.seconds // 3)
    chains: list[list[str]] = []
    if refresh_tokens:
        with httpx.Client(base_url=base, timeout=30) as http:
            fresh = [
                http.post(
                    "/api/v1/auth/login", json={"login": f"bench_{n + 100}", "password": PASSWORD}
                ).json()["refresh"]
                for n in range(2 * GROWTH_ROUNDS * CLIENTS)
            ]
        chains = [fresh[k : k + CLIENTS] for k in range(0, len(fresh), CLIENTS)]
    empty = growth_phases(
        base, env, seconds, access, chains[:GROWTH_ROUNDS], master_pid, waits, "growth_empty"
    )
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "tests.benchmark.seed_large"], cwd=ROOT, env=env, check=True
    )
    seed_seconds = time.monotonic() - started
    seeded = growth_phases(
        base, env, seconds, access, chains[GROWTH_ROUNDS:], master_pid, waits, "growth_seeded"
    )
    measured = [phase for phase in empty["phases"] if phase != "healthz_8"]
    return {
        "seed_seconds": round(seed_seconds, 1),
        "slice_seconds": seconds,
        "rounds": GROWTH_ROUNDS,
        "empty": empty,
        "seeded": seeded,
        "rps_ratio_seeded_vs_empty": {
            k: seeded["phases"][k]["rps"] / empty["phases"][k]["rps"] for k in empty["phases"]
        },
        "drift_free_ratio_seeded_vs_empty": {
            k: _drift_free(seeded, k) / _drift_free(empty, k) for k in measured
        },
    }


def _ms_list(samples: list[float]) -> str:
    return ", ".join(f"{s * 1000:.0f}" for s in samples)


def _spread(ratios: dict, phase: str) -> str:
    rounds = ratios[f"{phase}_vs_limit_rounds"]
    return f"slices {min(rounds):.0%}–{max(rounds):.0%}"


def table(results: list[dict], rounds: int) -> str:
    lines = []
    for r in results:
        p, q, h = r["phases"], r["ratios"], r["hash_samples"]
        lines.append(
            f"\n## {r['database']}: t = {r['hash_seconds'] * 1000:.0f} ms per hash, "
            f"{r['cores']} cores, limit = cores/t = {r['limit_rps']:.2f} logins/s"
        )
        for phase, timings in h.items():
            medians = ", ".join(f"{statistics.median(ts) * 1000:.0f}" for ts in timings)
            lines.append(
                f"\n{phase}: t = {phase_t(timings) * 1000:.0f} ms, the median of "
                f"{sum(map(len, timings))} hashes; medians of the {len(timings[0])} timed "
                f"before its first slice and after each: {medians} ms."
            )
        lines.append(f"t at seed: {r['hash_seconds_at_seed'] * 1000:.0f} ms.")
        redis_info = r["redis"]
        if redis_info["used"]:
            lines.append(f"Redis: {redis_info['url']} (cache, rate limits, breaker state).")
        elif redis_info["note"]:
            lines.append(f"Redis: not used ({redis_info['note']}).")
        else:
            lines.append("Redis: not used.")
        lines.append("")
        lines.append("| phase | req/s | p50 ms | p99 ms | non-2xx | ratio |")
        lines.append("|---|---:|---:|---:|---:|---|")
        notes = {
            "login_8": f"{q['login_8_vs_limit']:.0%} of limit ({_spread(q, 'login_8')})",
            "login_1": f"p50 {q['login_1_p50_vs_t']:.2f}×t, p99 {q['login_1_p99_vs_t']:.2f}×t",
            "register_8": f"{q['register_8_vs_limit']:.0%} of limit ({_spread(q, 'register_8')})",
            "me_8": f"{q['me_vs_healthz']:.0%} of /healthz "
            f"(rounds {q['me_vs_healthz_min']:.0%}–{q['me_vs_healthz_max']:.0%})",
        }
        for phase, m in p.items():
            lines.append(
                f"| {phase} | {_steady(m):.2f} | {m['p50_ms']:.1f} | "
                f"{m['p99_ms']:.1f} | {m['non_2xx']} | {notes.get(phase, '')} |"
            )
        lines.append(
            f"\nlogin_8 and register_8: req/s = the steady rate past the first 5 s, from each "
            "connection's first to last completion (steady.lua); wrk's completed / duration, "
            "which counts the start at empty queues and loses the requests in flight at the "
            f"end: {p['login_8']['rps']:.2f} and {p['register_8']['rps']:.2f}."
        )
        lines.append(
            f"\nme_8 and healthz_8: {rounds} alternating rounds of {SLICE_SECONDS} s each; "
            "req/s = total requests / total seconds, p50 = median of the slice p50s, "
            "p99 = max of the slice p99s."
        )
        waited = [w["waited_s"] for w in r["quiesce"].values()]
        unsettled = [label for label, w in r["quiesce"].items() if not w["settled"]]
        lines.append(
            f"Quiesce before each phase: {min(waited):.2f}–{max(waited):.2f} s "
            f"(total {sum(waited):.1f} s); still busy after {QUIESCE_CAP:.0f} s: "
            f"{', '.join(unsettled) or 'none'}."
        )
        lines.append(f"\nworker RSS (MiB): {r['worker_rss_mib']}")
        if g := r.get("growth"):
            lines.append(
                f"\n### {r['database']}: growth to 100k users, 1M audit, 1M attempts, "
                f"1M sessions (seeded in {g['seed_seconds']} s)"
            )
            lines.append(
                "| phase | empty req/s | seeded req/s | seeded/empty | "
                "seeded/empty, drift-free | seeded p99 ms |"
            )
            lines.append("|---|---:|---:|---:|---:|---:|")
            empty, seeded = g["empty"]["phases"], g["seeded"]["phases"]
            for phase, ratio in g["rps_ratio_seeded_vs_empty"].items():
                fair = g["drift_free_ratio_seeded_vs_empty"].get(phase)
                lines.append(
                    f"| {phase} | {empty[phase]['rps']:.1f} | {seeded[phase]['rps']:.1f} | "
                    f"{ratio:.0%} | {f'{fair:.0%}' if fair else 'reference'} | "
                    f"{seeded[phase]['p99_ms']:.1f} |"
                )
            lines.append(
                f"\n{g['rounds']} rounds of {g['slice_seconds']} s slices per pass. Drift-free: "
                "login's rate × t (hashes timed before and after each pass: "
                f"{g['empty']['hash_seconds'] * 1000:.0f} ms empty, "
                f"{g['seeded']['hash_seconds'] * 1000:.0f} ms seeded); the others' rate ÷ "
                "/healthz's in the same pass."
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--postgres-url", default="postgres://root@127.0.0.1:5432/authsvc_bench")
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/13",
        help="Redis for the postgres leg (emptied first); without it the leg runs without Redis",
    )
    parser.add_argument("--seconds", type=int, default=15, help="seconds per phase")
    parser.add_argument(
        "--hash-seconds",
        type=int,
        default=20,
        help="seconds per slice of login_8 and register_8 (the first 5 s warm up)",
    )
    parser.add_argument(
        "--hash-rounds",
        type=int,
        default=3,
        help="slices of login_8 and register_8, with t timed before, between and after",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help=f"rounds of /me then /healthz, {SLICE_SECONDS} s each",
    )
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--large", action="store_true", help="also measure growth to 100k users")
    parser.add_argument("--out", default=str(ROOT / "var" / "bench.json"))
    parser.add_argument("gunicorn_args", nargs="*", help="extra gunicorn arguments, after --")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("benchmark: wrk is required (Debian: apt-get install wrk)")
    databases = args.databases.split(",")
    if unknown := set(databases) - {"sqlite", "postgres"}:
        sys.exit(f"benchmark: unknown database(s) {', '.join(sorted(unknown))}")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for name in databases:
            if name == "sqlite":
                # Embedded, as a single-host deployment runs it: no Redis.
                results.append(
                    run_database(name, f"sqlite:///{workdir / 'bench.sqlite3'}", args, workdir)
                )
                continue
            url = args.postgres_url
            db = url.rsplit("/", 1)[1]
            subprocess.run(
                ["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "root", db], check=True
            )
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "root", db], check=True)
            # PostgreSQL + Redis is what docker-compose.yml deploys.
            problem = prepare_redis(args.redis_url)
            if problem:
                note = f"no Redis at {args.redis_url}: {problem}"
                print(f"benchmark: {note}; the postgres leg runs without Redis", file=sys.stderr)
                results.append(run_database("postgres", url, args, workdir, redis_note=note))
            else:
                results.append(
                    run_database("postgres+redis", url, args, workdir, redis_url=args.redis_url)
                )
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "command": "make bench",
        "argv": sys.argv[1:],
        "seconds": args.seconds,
        "hash_seconds": args.hash_seconds,
        "rounds": args.rounds,
        "slice_seconds": SLICE_SECONDS,
        "gunicorn_args": args.gunicorn_args,
        "results": results,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))
    print(table(results, args.rounds))
    print(f"\nJSON: {args.out}")


if __name__ == "__main__":
    main()
