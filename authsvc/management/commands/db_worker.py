"""``manage.py db_worker``: django-tasks-db's worker, plus what authsvc needs of it.

authsvc is before django_tasks_db in INSTALLED_APPS, so this command is the one run. It
first puts back in the queue tasks that a dead worker left "running" (authsvc.taskqueue),
and with ``--metrics-port`` serves this process' Prometheus metrics (mails sent, retried,
given up are counted here, in the process that delivers them, not in the web's /metrics).
"""

from argparse import ArgumentParser
from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from prometheus_client import start_http_server

from authsvc.taskqueue import orphans_requeue


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
        super().handle(*args, **options)
