"""Retention for the audit trail: ``manage.py purge_audit_logs --older-than DAYS [--dry-run]``."""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.audit.models import AuditLog
from accounts.audit.services import audit_logs_purge


class Command(BaseCommand):
    help = "Delete audit_logs rows older than --older-than days (--dry-run only counts them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than", type=int, required=True, metavar="DAYS")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, older_than: int, dry_run: bool, **options: Any) -> None:
        if older_than < 1:
            raise CommandError("--older-than must be at least 1 day.")
        cutoff = timezone.now() - timedelta(days=older_than)
        expired = AuditLog.objects.filter(created_at__lt=cutoff)
        when = f"older than {cutoff:%Y-%m-%d %H:%M} UTC"
        if dry_run:
            self.stdout.write(
                f"{expired.count()} audit log rows {when} would be deleted (dry run)."
            )
            return
        deleted = audit_logs_purge(older_than=cutoff)
        self.stdout.write(f"{deleted} audit log rows {when} deleted.")
