"""A system check that stops a deployment which could not read its own TOTP secrets."""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.db import DatabaseError

from accounts.mfa.models import TotpDevice


@register(Tags.database)
def field_encryption_key_check(
    app_configs: Sequence[Any] | None, databases: Sequence[str] | None = None, **_: Any
) -> list[CheckMessage]:
    """With debug off, AUTH_FIELD_ENCRYPTION_KEY is required once any user has TOTP: without
    it no second factor can be checked, and those users cannot log in.

    A database check: it runs with ``migrate`` and ``check --database default``.
    """
    if settings.DEBUG or settings.AUTH_FIELD_ENCRYPTION_KEYS or not databases:
        return []
    try:
        enrolled = any(TotpDevice.objects.using(alias).exists() for alias in databases)
    except DatabaseError:
        return []  # not migrated yet: nobody has enrolled
    if not enrolled:
        return []
    return [
        Error(
            "AUTH_FIELD_ENCRYPTION_KEY is not set, and users have TOTP: their second factor "
            "cannot be checked.",
            hint="Set AUTH_FIELD_ENCRYPTION_KEY to the key their secrets were sealed with.",
            id="accounts.E001",
        )
    ]
