"""Passkey reads."""

from django.db.models import QuerySet
from django.utils import timezone

from accounts.mfa.models import MfaChallenge
from accounts.mfa.selectors import secret_digest
from accounts.mfa.services import MFA_TOKEN_DEAD, MFA_TOKEN_MAX_TRIES
from accounts.passkeys.models import Passkey
from accounts.users.models import User
from authsvc.exceptions import NotFound, TokenInvalid

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


def mfa_challenge_live(*, mfa_token: str) -> MfaChallenge:
    """The live pending login of ``mfa_token``, read without using one of its tries;
    TokenInvalid as ``accounts.mfa.services.mfa_challenge_take`` would answer."""
    challenge = (
        MfaChallenge.objects.select_related("user")
        .filter(
            token_hash=secret_digest(mfa_token),
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            tries__lt=MFA_TOKEN_MAX_TRIES,
        )
        .first()
    )
    if challenge is None or not challenge.user.is_active:
        raise TokenInvalid(MFA_TOKEN_DEAD)
    return challenge
