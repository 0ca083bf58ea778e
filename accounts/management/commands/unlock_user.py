"""manage.py unlock_user <username-or-email> [...]: clear lockouts from the command line."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.login.lockout import user_lockout_seconds_remaining
from accounts.login.services import user_unlock
from accounts.users.models import User


class Command(BaseCommand):
    help = "Unlock accounts (by username or email, any case) and clear their failure counts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("logins", nargs="+", metavar="username-or-email")

    def handle(self, *args: Any, logins: list[str], **options: Any) -> None:
        unknown = []
        for login in logins:
            user = User.objects.for_login(login.strip())
            if user is None:
                unknown.append(login)
                self.stderr.write(f"{login}: no such user")
                continue
            remaining = user_lockout_seconds_remaining(user=user)
            if user_unlock(user=user, by="command:unlock_user"):
                left = f"{remaining} s of lockout left" if remaining else "locked until a reset"
                self.stdout.write(f"{user.username}: unlocked ({left})")
            else:
                self.stdout.write(f"{user.username}: was not locked; failure count cleared")
        if unknown:
            raise CommandError(f"unknown user(s): {', '.join(unknown)}")
