from typing import TYPE_CHECKING, Any

from django.contrib.auth.base_user import BaseUserManager
from django.db import connections
from django.db.models.functions import Lower

if TYPE_CHECKING:
    from accounts.models import User


def _login_field(login: str) -> str:
    """The field a login names: usernames cannot contain "@", so it says which index to use."""
    return "email" if "@" in login else "username"


class UserManager(BaseUserManager["User"]):
    """Looks users up case-insensitively, through the lower-case unique indexes."""

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.by_login(username or "").get()

    def by_login(self, login: str):  # type: ignore[no-untyped-def]
        """Users whose username or email equals ``login``, ignoring letter case."""
        value = login.lower()
        return self.alias(login_lower=Lower(_login_field(value))).filter(login_lower=value)

    def for_login(self, login: str, *, with_second_factor: bool = False) -> "User | None":
        """The one user ``login`` names (``by_login``'s match), or None; for hot paths.

        The same lookup in SQL, through the same lower-case unique indexes (a test checks
        the plan on both databases): building the ORM query cost twice the CPU of running
        it, and every login and registration runs it (docs/performance.md).

        ``with_second_factor`` also reads, in the same query, whether the account has a
        confirmed authenticator app (``has_confirmed_totp`` on the user, which
        ``accounts.mfa.selectors.mfa_enabled`` uses): a login needs both, and asking in a
        second query cost every login a round trip.
        """
        value = login.lower()
        quote = connections[self.db].ops.quote_name
        column = quote(_login_field(value))  # field and column names are the same
        table = quote(self.model._meta.db_table)
        columns = f"{table}.*"
        if with_second_factor:
            devices = self.model._meta.get_field("mfa_totp_devices").related_model._meta
            device_table = quote(devices.db_table)
            owner = f"{device_table}.{quote('user_id')}"
            confirmed = f"{device_table}.{quote('confirmed')}"
            columns += (
                f", EXISTS (SELECT 1 FROM {device_table} WHERE {owner} = {table}.{quote('id')} "  # noqa: S608
                f"AND {confirmed}) AS has_confirmed_totp"
            )
        sql = f"SELECT {columns} FROM {table} WHERE LOWER({column}) = %s LIMIT 1"  # noqa: S608
        return next(iter(self.raw(sql, [value])), None)

    def login_taken(self, *, username: str, email: str) -> str | None:
        """Which of ``username`` and ``email`` an account already has ("username" when
        both), ignoring letter case; None when neither. One query through both indexes."""
        quote = connections[self.db].ops.quote_name
        table = quote(self.model._meta.db_table)
        name, mail = quote("username"), quote("email")
        sql = (
            f"SELECT LOWER({name}) = %s FROM {table} "  # noqa: S608
            f"WHERE LOWER({name}) = %s OR LOWER({mail}) = %s ORDER BY 1 DESC LIMIT 1"
        )
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, [username.lower(), username.lower(), email.lower()])
            row = cursor.fetchone()
        if row is None:
            return None
        return "username" if row[0] else "email"

    def create_user(
        self, username: str, email: str, password: str | None = None, **extra: Any
    ) -> "User":
        user = self.model(username=username, email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(
        self, username: str, email: str, password: str | None = None, **extra: Any
    ) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(username, email, password, **extra)
