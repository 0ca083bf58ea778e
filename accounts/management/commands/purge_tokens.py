"""``manage.py purge_tokens``: delete login sessions expired or revoked past retention, and
mailed tokens, pending second-factor logins and passkey challenges expired past it.

Run it on a schedule (daily is plenty; see docs/tokens.md). Deleting a session only
drops its history: a token of a deleted session is refused exactly as a revoked one.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from accounts.mfa.services import mfa_challenges_purge
from accounts.passkeys.services import passkey_challenges_purge
from accounts.recovery.services import recovery_tokens_purge
from accounts.tokens.services import login_sessions_purge


class Command(BaseCommand):
    help = (
        "Delete login sessions that expired or were revoked, and mailed tokens and pending "
        "second-factor logins that expired, more than the retention ago."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--retention-days",
            type=int,
            default=None,
            help="Keep this many days of ended sessions (default: AUTH_SESSION_RETENTION_DAYS).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["retention_days"]
        if days is None:
            days = settings.AUTH_SESSION_RETENTION_DAYS
        retention = timedelta(days=max(0, days))
        sessions = login_sessions_purge(retention=retention)
        mailed = recovery_tokens_purge(retention=retention)
        pending = mfa_challenges_purge(retention=retention)
        ceremonies = passkey_challenges_purge(retention=retention)
        self.stdout.write(
            f"purge_tokens: deleted {sessions} login session(s), {mailed} mailed token(s), "
            f"{pending} pending second-factor login(s) and {ceremonies} passkey challenge(s) "
            f"ended over {days} day(s) ago."
        )
