"""Gunicorn settings for authsvc; gunicorn loads this file from its working directory.

Every value comes from the environment (names in README.md and .env.example). Command-line
flags still win over this file, so a one-off `gunicorn --workers 1` works as expected.
"""

import logging
import os
import shutil
import sys
import tempfile

# Importable whatever the working directory: this file sits at the project root.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gunicorn import glogging

from authsvc.logging import gunicorn_logging_config


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        # One clear line and a non-zero exit: a typo must stop start-up, not fall back.
        sys.exit(f"authsvc: {name} must be a non-negative integer, got {raw!r}")
    return int(raw)


# --- Workers and timeouts ---
# Chosen by measurement side by side with djoser (docs/performance.md): sync workers, one
# per core, on one shared listening socket. A login is a bcrypt hash, CPU-bound; a sync
# worker takes the next connection only when it is free, and answers with Connection:
# close, so every request waits in the kernel's one accept queue and is served in arrival
# order. gthread (each worker accepting for its own thread pool, keep-alive connections
# pinned to a worker) left some clients' logins queued behind a busy worker while another
# worker served its own: login p99 at 8 clients was 1.4-1.6 x djoser's. Keep-alive does
# not pay for that here: /me and /healthz were as fast or faster with sync workers.
# Behind the compose nginx (which buffers requests and responses) a slow client does not
# hold a worker. GUNICORN_THREADS > 1 makes gunicorn use gthread workers instead.

wsgi_app = "config.wsgi:application"
# Loopback outside a container; the image sets GUNICORN_BIND=0.0.0.0:8000.
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
worker_class = "sync"
# Default: the CPUs this process may run on; set it under a container CPU quota (not seen here).
workers = _env_int("GUNICORN_WORKERS", len(os.sched_getaffinity(0)))
threads = _env_int("GUNICORN_THREADS", 1)
# A request still running after this many seconds gets its worker restarted.
timeout = _env_int("GUNICORN_TIMEOUT", 30)
# On SIGTERM, in-flight requests get this long before workers are killed.
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Idle keep-alive seconds (gthread workers; sync ones close each connection); keep it
# above the proxy's upstream idle timeout, or it races.
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)
# Worker recycling is off by default: a new worker costs about a second of CPU to import
# Django, and recycling every 1000 requests halved /healthz throughput (443 -> 928 req/s,
# docs/performance.md). Worker memory stays flat (~90 MiB) without it; set a large value
# (e.g. 100000) if a leak ever appears.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 0)
# Heartbeat files on a container's overlay filesystem can stall workers; the image uses /dev/shm.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or None
# No runtime control socket (gunicornc): a non-root container has no writable
# $HOME/.gunicorn and gunicorn 27 would log an error at every start. Same as --no-control-socket.
control_socket_disable = True
# Which peers may set X-Forwarded-Proto for wsgi.url_scheme: gunicorn reads FORWARDED_ALLOW_IPS
# itself (default loopback). Django decides HTTPS from DJANGO_SECURE_PROXY_SSL_HEADER instead;
# the client IP comes from AUTH_TRUSTED_PROXIES (authsvc/clientip.py). See docs/deployment.md.
# --- End of workers and timeouts ---

# --- Logging ---
# gunicorn's error log as one JSON object per line, like the application's
# (authsvc/logging.py); LOG_LEVEL and LOG_FORMAT apply to it too. Python warnings go there.
errorlog = "-"  # stderr
logconfig_dict = gunicorn_logging_config()
logging.captureWarnings(True)


class ErrorLogOnly(glogging.Logger):
    """No gunicorn access record: the application writes the one record per request
    (``authsvc.access``, with the client IP behind trusted proxies and the user id), and a
    second, poorer line per request would double the log volume. gunicorn keeps its access
    log on whenever logconfig_dict is set, so it is turned off here, where it is built."""

    def access(self, resp, req, environ, request_time):
        return


logger_class = ErrorLogOnly
# --- end Logging ---

# --- Metrics ---
# Prometheus multiprocess mode: every worker writes its metrics to files in one directory
# and /metrics aggregates them. The directory is emptied at start (stale files from a
# previous run would be counted) and a dead worker's live gauges are dropped.
# Set before any worker imports prometheus_client: it reads the variable at import.
_metrics_dir_created = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _metrics_dir_created:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="authsvc-metrics-")


def on_starting(server):
    # Load the settings once in the master: a configuration error (missing secret or signing
    # key) then stops gunicorn with its one-line message, instead of every worker exiting
    # and being respawned in a loop.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings

    settings.SECRET_KEY  # noqa: B018 (evaluated for its side effect: settings import)

    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _metrics_dir_created:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


# --- end Metrics ---


# --- Warm-up ---
def post_worker_init(worker):
    # Django imports the URL configuration (every view, serializer and schema) on a worker's
    # first request: a login then took 220 ms against 12 ms for the next ones (MD5 hasher;
    # 50 ms with this). Done here, before the worker accepts, nobody waits for it.
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (evaluated for its side effect: the imports)


# --- end Warm-up ---
