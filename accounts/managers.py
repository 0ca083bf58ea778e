from typing import TYPE_CHECKING, Any

from django.contrib.auth.base_user import BaseUserManager
from django.db.models.functions import Lower

if TYPE_CHECKING:
    from accounts.models import User


class UserManager(BaseUserManager["User"]):
    """Looks users up case-insensitively, through the lower-case unique indexes."""

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.by_login(username or "").get()

    def by_login(self, login: str):  # type: ignore[no-untyped-def]
        """Users whose username or email equals ``login``, ignoring letter case.

        Usernames cannot contain "@", so the login says which index to use.
        """
        value = login.lower()
        if "@" in value:
            return self.alias(email_lower=Lower("email")).filter(email_lower=value)
        return self.alias(username_lower=Lower("username")).filter(username_lower=value)

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
