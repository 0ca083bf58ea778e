"""gunicorn settings, loaded automatically from the working directory (the repository root)."""

# --- Logging (operability issue) ---
# gunicorn's access and error logs as one JSON object per line, like the application's
# (authsvc/logging.py); LOG_LEVEL and LOG_FORMAT apply to them too.
from authsvc.logging import gunicorn_logging_config

accesslog = "-"  # stdout
errorlog = "-"  # stderr
# The message of each access record; its fields (method, path, status, duration_ms,
# remote_addr, user_agent, request_id, pid) are added by authsvc.logging.GunicornAccessFilter.
access_log_format = "%(m)s %(U)s %(s)s"
logconfig_dict = gunicorn_logging_config()
# --- end Logging ---

# --- Metrics (operability issue) ---
# Prometheus multiprocess mode: every worker writes its metrics to files in one directory
# and /metrics aggregates them. The directory is emptied at start (stale files from a
# previous run would be counted) and a dead worker's live gauges are dropped.
import os  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

# Set before any worker imports prometheus_client: it reads the variable at import.
_metrics_dir_created = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _metrics_dir_created:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="authsvc-metrics-")


def on_starting(server):
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
