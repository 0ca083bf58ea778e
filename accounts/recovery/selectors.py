"""Reading mailed tokens: which account a token names, if it still may be used."""

import hashlib

from django.utils import timezone

from accounts.recovery.models import RecoveryToken, TokenPurpose

# token_urlsafe(32) is 43 characters; anything much longer is not one of ours, and is
# refused before it is hashed.
TOKEN_MAX_LENGTH = 128


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def token_usable(*, token: str, purpose: TokenPurpose) -> RecoveryToken | None:
    """The unused, unexpired token row for ``token`` whose account is still the one it was
    mailed for (active, same address, and for a reset no password change since); else None.

    Used, expired, forged and malformed tokens all answer None: callers report one error.
    """
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    row = (
        RecoveryToken.objects.select_related("user")
        .filter(
            token_hash=token_digest(token),
            purpose=purpose,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )
    if row is None:
        return None
    user = row.user
    if not user.is_active or user.email.lower() != row.email.lower():
        return None
    # A password set after the token was mailed (a reset through another token, a change,
    # the admin) is a newer decision about the account than the request that mailed it.
    if (
        purpose == TokenPurpose.PASSWORD_RESET
        and user.password_changed_at is not None
        and user.password_changed_at >= row.created_at
    ):
        return None
    return row
