"""``manage.py db_worker``: django-tasks-db's worker, plus what authsvc needs of it.

authsvc is before django_tasks_db in INSTALLED_APPS, so this command is the one run. It
first puts back in the queue tasks that a dead worker left "running" (authsvc.taskqueue),
and with ``--metrics-port`` serves this process' Prometheus metrics (mails sent, retried,
given up are counted here, in the process that delivers them, not in the web's /metrics).
"""

import logging
import time
from argparse import ArgumentParser
from typing import Any

from django.db import DatabaseError, close_old_connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from prometheus_client import start_http_server

from authsvc.taskqueue import orphans_requeue

logger = logging.getLogger("authsvc.taskqueue")
# After a database error the loop starts again this much later, not in a tight spin.
RESTART_DELAY_SECONDS = 1.0


class Command(DbWorkerCommand):
    help = f"{DbWorkerCommand.help}; requeues tasks of dead workers at start"

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--metrics-port",
            type=int,
            default=None,
            help="Serve this worker's Prometheus metrics on this port (default: none).",
        )
        parser.add_argument(
            "--metrics-addr",
            default="127.0.0.1",
            help="Address for --metrics-port (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        orphans_requeue()
        metrics_port = options.pop("metrics_port")
        metrics_addr = options.pop("metrics_addr")
        if metrics_port is not None:
            start_http_server(metrics_port, addr=metrics_addr)
        # django-tasks-db's loop ends the process on a database error outside the task
        # itself: a task row deleted while it ran (a prune, a truncate), SQLite's file
        # locked at the wrong moment, a PostgreSQL restart. One such error must not stop
        # mail for good: log it and run the loop again. A normal stop (SIGTERM, batch
        # mode) returns from the loop and ends the command.
        while True:
            try:
                super().handle(*args, **options)
                return
            except DatabaseError as exc:
                logger.warning(
                    "task worker loop stopped by a database error (%s); starting it again",
                    exc.__class__.__name__,
                    exc_info=exc,
                )
                close_old_connections()
                time.sleep(RESTART_DELAY_SECONDS)
