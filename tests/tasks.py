"""Running queued tasks in tests: a real ``manage.py db_worker`` process, or in process.

End-to-end tests start ``db_worker`` as a subprocess on the test database (a
module-scoped fixture, ``mail_worker`` in tests/conftest.py) and wait for the mail at
the SMTP sink; like the gunicorn servers of tests/servers.py it sees only committed
data, so those tests are transactional. Unit tests call ``run_queued_tasks`` instead:
django-tasks-db's own worker loop, in this process, until no task is due.
"""

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from django.utils.crypto import get_random_string
from django_tasks_db.management.commands import db_worker
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from tests.servers import ROOT, test_database_url


def run_queued_tasks() -> int:
    """Run every task due now in this process (retries due at once too); how many ran."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    )
    # The worker closes "obsolete" connections between tasks; inside a test's transaction
    # that would close the test's own connection (Django's TestCase avoids it alike).
    with mock.patch.object(db_worker, "close_old_connections", return_value=None):
        worker.run()
    return worker._run_tasks


def queue_drained(timeout: float = 15) -> None:
    """Wait until no task is queued (due or deferred) or running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists():
            return
        time.sleep(0.05)
    raise AssertionError("tasks still queued or running after the timeout")


@dataclass
class WorkerProcess:
    process: subprocess.Popen
    log_path: Path
    worker_id: str

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_db_worker(tmp_path: Path, *, env: dict[str, str] | None = None) -> WorkerProcess:
    """``manage.py db_worker`` on the test database, polling every 0.1 s."""
    worker_id = f"test-{get_random_string(8)}"
    log_path = tmp_path / f"db_worker-{worker_id}.log"
    worker_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": test_database_url(),
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    command = [
        sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay",
        "--no-reload", "--worker-id", worker_id, "--verbosity", "2",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=worker_env, stdout=log, stderr=subprocess.STDOUT
        )
    worker = WorkerProcess(process, log_path, worker_id)
    deadline = time.monotonic() + 30
    while "Starting worker" not in worker.logs():
        if process.poll() is not None or time.monotonic() > deadline:
            worker.stop()
            raise RuntimeError(f"db_worker did not start:\n{worker.logs()}")
        time.sleep(0.05)
    return worker
