"""manage.py mfa_reset <username-or-email>: turn an account's second factor off."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.mfa.services import mfa_reset
from accounts.users.models import User


class Command(BaseCommand):
    help = (
        "Turn off an account's TOTP and recovery codes (a lost phone, no code left). "
        "Audited as mfa_reset; the owner is mailed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("login", metavar="username-or-email")

    def handle(self, *args: Any, login: str, **options: Any) -> None:
        user = User.objects.for_login(login.strip())
        if user is None:
            raise CommandError(f"{login}: no such user")
        if mfa_reset(user=user, by="command:mfa_reset"):
            self.stdout.write(f"{user.username}: second factor turned off; the owner was mailed")
        else:
            self.stdout.write(f"{user.username}: had no second factor; nothing changed")
