"""Passkey reads."""

from django.db.models import QuerySet

from accounts.passkeys.models import Passkey
from accounts.users.models import User
from authsvc.exceptions import NotFound

PASSKEY_NOT_FOUND = "No passkey of yours has this id."


def passkeys_of(*, user: User) -> QuerySet[Passkey]:
    return Passkey.objects.filter(user=user).order_by("created_at", "id")


def passkeys_exist(*, user: User) -> bool:
    return Passkey.objects.filter(user=user).exists()


def passkey_of(*, user: User, passkey_id: int) -> Passkey:
    """``user``'s passkey; NotFound for another account's, so ids reveal nothing."""
    passkey = Passkey.objects.filter(user=user, pk=passkey_id).first()
    if passkey is None:
        raise NotFound(PASSKEY_NOT_FOUND)
    return passkey


def passkey_for_credential(*, credential_id: str, user: User | None = None) -> Passkey | None:
    """The passkey of a credential id (with its user), optionally only among ``user``'s."""
    found = Passkey.objects.select_related("user").filter(credential_id=credential_id)
    if user is not None:
        found = found.filter(user=user)
    return found.first()
