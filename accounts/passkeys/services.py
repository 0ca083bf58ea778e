"""Passkey writes: registration, renaming and removal, and logins with one, as the first
factor (usernameless) and as the second factor of a password login.

Each ceremony's challenge is ours: stored with what it is bound to, live for
CHALLENGE_TTL_SECONDS, and used up by one conditional UPDATE before the response is checked,
so a response can be tried once. Every check of the response itself is py_webauthn's
(``accounts.passkeys.ceremony``).
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.audit.services import AuditAction, AuditStatus, audit_record
from accounts.login.services import login_email_verified_require, user_login_complete
from accounts.mfa.models import MfaChallenge
from accounts.mfa.selectors import mfa_challenge_live, mfa_enabled
from accounts.mfa.services import factor_attempt, mfa_challenge_take, mfa_login_finish
from accounts.passkeys import ceremony
from accounts.passkeys.models import Ceremony, Passkey, PasskeyChallenge
from accounts.passkeys.selectors import (
    PASSKEY_NOT_FOUND,
    passkey_for_credential,
    passkey_of,
    passkeys_of,
)
from accounts.users.models import User
from authsvc.exceptions import (
    Conflict,
    InvalidCredentials,
    MfaLoginCodeInvalid,
    NotFound,
    PasskeyChallengeInvalid,
    PasskeyCounterRegressed,
)

if TYPE_CHECKING:
    from accounts.passkeys.ceremony import AuthenticationCredential

# RFC 8176 §2: "hwk" proof of possession of a hardware-secured key, "user" the authenticator
# verified its user (PIN or biometrics: the UV flag).
AMR_PASSKEY = ["hwk"]
AMR_PASSKEY_VERIFIED = ["hwk", "user"]
AMR_PASSWORD_AND_PASSKEY = ["pwd", "hwk", "mfa"]
PASSKEY_DEFAULT_NAME = "Passkey"


@dataclass(frozen=True)
class CeremonyOptions:
    challenge_id: uuid.UUID
    options: dict[str, Any]


def _challenge_store(
    *,
    kind: Ceremony,
    challenge: bytes,
    options: dict[str, Any],
    user: User | None = None,
    mfa_challenge: MfaChallenge | None = None,
) -> CeremonyOptions:
    now = timezone.now()
    stored = PasskeyChallenge.objects.create(
        ceremony=kind,
        challenge=challenge,
        user=user,
        mfa_challenge=mfa_challenge,
        created_at=now,
        expires_at=now + timedelta(seconds=ceremony.CHALLENGE_TTL_SECONDS),
    )
    return CeremonyOptions(challenge_id=stored.id, options=options)


def _challenge_take(
    *,
    challenge_id: uuid.UUID,
    kind: Ceremony,
    user: User | None = None,
    mfa_challenge: MfaChallenge | None = None,
) -> bytes:
    """The challenge bytes of a live challenge of exactly this ceremony, used up now;
    PasskeyChallengeInvalid otherwise. One conditional UPDATE decides between racers."""
    live = PasskeyChallenge.objects.filter(
        pk=challenge_id,
        ceremony=kind,
        user=user,
        mfa_challenge=mfa_challenge,
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    found = live.values_list("challenge", flat=True).first()
    if found is None or live.update(used_at=timezone.now()) != 1:
        raise PasskeyChallengeInvalid()
    return bytes(found)


def passkey_register_begin(*, user: User) -> CeremonyOptions:
    """Creation options for a new passkey of ``user``; its passkeys are excluded, so an
    authenticator that holds one says so instead of making a second."""
    exclude = list(passkeys_of(user=user).values_list("credential_id", flat=True))
    challenge, options = ceremony.registration_options(user=user, exclude=exclude)
    return _challenge_store(
        kind=Ceremony.REGISTRATION, challenge=challenge, options=options, user=user
    )


def passkey_register_complete(
    *,
    user: User,
    challenge_id: uuid.UUID,
    credential: dict[str, Any],
    name: str = PASSKEY_DEFAULT_NAME,
    request: HttpRequest | None = None,
) -> Passkey:
    """Store the passkey ``credential`` (navigator.credentials.create()'s answer to the
    options of ``challenge_id``) for ``user``. Conflict when its credential id is taken."""
    parsed = ceremony.registration_credential_parse(data=credential)
    challenge = _challenge_take(challenge_id=challenge_id, kind=Ceremony.REGISTRATION, user=user)
    verified = ceremony.registration_verify(credential=parsed, challenge=challenge)
    credential_id = ceremony.credential_id_text(verified.credential_id)
    try:
        with transaction.atomic():
            passkey = Passkey.objects.create(
                user=user,
                credential_id=credential_id,
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                name=name,
                aaguid=verified.aaguid,
                backed_up=verified.credential_backed_up,
            )
            audit_record(
                action=AuditAction.PASSKEY_ADDED,
                user=user,
                request=request,
                details={"key": passkey.pk},
            )
    except IntegrityError as exc:  # the credential id is unique: registered already
        raise Conflict("This passkey is already registered.") from exc
    return passkey


def passkey_rename(*, user: User, passkey_id: int, name: str) -> Passkey:
    passkey = passkey_of(user=user, passkey_id=passkey_id)
    passkey.name = name
    passkey.save(update_fields=["name"])
    return passkey


def passkey_remove(*, passkey: Passkey, by: str, request: HttpRequest | None = None) -> None:
    """Delete ``passkey``, audited with who did it (``self`` or ``admin:<id>``)."""
    with transaction.atomic():
        audit_record(
            action=AuditAction.PASSKEY_REMOVED,
            user=passkey.user,
            request=request,
            details={"key": passkey.pk, "by": by},
        )
        passkey.delete()


def passkey_delete(*, user: User, passkey_id: int, request: HttpRequest | None = None) -> None:
    """``user`` deletes one of their passkeys. Conflict for the last one when nothing else
    could log in: no usable password and no TOTP."""
    with transaction.atomic():
        # Locked together, so two deletes of the last two passkeys cannot both pass the check.
        owned = list(Passkey.objects.select_for_update().filter(user=user).order_by("pk"))
        passkey = next((item for item in owned if item.pk == passkey_id), None)
        if passkey is None:
            raise NotFound(PASSKEY_NOT_FOUND)
        if len(owned) == 1 and not user.has_usable_password() and not mfa_enabled(user=user):
            raise Conflict(
                "This is the account's only way to log in: set a password or add another "
                "passkey first."
            )
        passkey_remove(passkey=passkey, by="self", request=request)


def passkey_login_begin() -> CeremonyOptions:
    """Request options with no allowed credentials: the authenticator offers the user
    whichever passkeys of this relying party it holds."""
    challenge, options = ceremony.authentication_options(allow=[])
    return _challenge_store(kind=Ceremony.LOGIN, challenge=challenge, options=options)


def _login_refused(*, reason: str, user: User | None, request: HttpRequest) -> None:
    audit_record(
        action=AuditAction.PASSKEY_LOGIN,
        status=AuditStatus.FAILURE,
        user=user,
        request=request,
        details={"reason": reason},
    )


def _assertion_accept(
    *,
    passkey: Passkey,
    assertion: "AuthenticationCredential",
    challenge: bytes,
    kind: Ceremony,
    request: HttpRequest,
) -> bool:
    """Check ``assertion`` by ``passkey`` and record its use; whether the authenticator
    verified the user. InvalidCredentials (or its PasskeyCounterRegressed) when it fails."""
    user = passkey.user
    # WebAuthn §7.2 step 6: a returned user handle must be the credential owner's.
    handle = assertion.response.user_handle
    if handle is not None and handle != ceremony.user_handle(user):
        _login_refused(reason="user_handle_mismatch", user=user, request=request)
        raise InvalidCredentials()
    try:
        verified = ceremony.assertion_verify(
            credential=assertion,
            challenge=challenge,
            public_key=bytes(passkey.public_key),
            sign_count=passkey.sign_count,
        )
        used = Passkey.objects.filter(pk=passkey.pk)
        if verified.new_sign_count > 0:
            # A parallel login may have moved the count first: then this one is a replay.
            used = used.filter(sign_count__lt=verified.new_sign_count)
        if used.update(sign_count=verified.new_sign_count, last_used_at=timezone.now()) != 1:
            raise PasskeyCounterRegressed(received=verified.new_sign_count)
    except PasskeyCounterRegressed as exc:
        audit_record(
            action=AuditAction.PASSKEY_COUNTER_REGRESSED,
            status=AuditStatus.FAILURE,
            user=user,
            request=request,
            details={"key": passkey.pk, "stored": passkey.sign_count, "received": exc.received},
        )
        raise
    except InvalidCredentials:
        _login_refused(reason="assertion_invalid", user=user, request=request)
        raise
    audit_record(
        action=AuditAction.PASSKEY_LOGIN,
        user=user,
        request=request,
        details={"key": passkey.pk, "ceremony": kind.value},
    )
    return verified.user_verified


@sensitive_variables("credential")
def passkey_login_complete(
    *, challenge_id: uuid.UUID, credential: dict[str, Any], request: HttpRequest
) -> tuple[User, list[str]]:
    """A usernameless login: the passkey's user and the session's ``amr``. Every failure
    (unknown or removed passkey, bad assertion, inactive account) is InvalidCredentials;
    an unverified address under AUTH_REQUIRE_VERIFIED_EMAIL is EmailUnverified.

    No second factor follows, TOTP or not: a passkey is bound to this site's origin (it
    cannot be phished) and to a device; with user verification it is two factors already.
    """
    assertion = ceremony.authentication_credential_parse(data=credential)
    challenge = _challenge_take(challenge_id=challenge_id, kind=Ceremony.LOGIN)
    passkey = passkey_for_credential(credential_id=ceremony.credential_id_text(assertion.raw_id))
    if passkey is None:
        _login_refused(reason="unknown_credential", user=None, request=request)
        raise InvalidCredentials()
    if not passkey.user.is_active:
        _login_refused(reason="inactive", user=passkey.user, request=request)
        raise InvalidCredentials()
    user_verified = _assertion_accept(
        passkey=passkey,
        assertion=assertion,
        challenge=challenge,
        kind=Ceremony.LOGIN,
        request=request,
    )
    # As at the password, and only after the passkey proved the account.
    login_email_verified_require(user=passkey.user, request=request)
    amr = AMR_PASSKEY_VERIFIED if user_verified else AMR_PASSKEY
    user_login_complete(request=request, user=passkey.user, details={"amr": amr})
    return passkey.user, amr


@sensitive_variables("mfa_token")
def passkey_mfa_begin(*, mfa_token: str) -> CeremonyOptions:
    """Request options for the second factor of the pending login of ``mfa_token``, allowing
    only its account's passkeys; no try of the token is used. Conflict when it has none."""
    pending = mfa_challenge_live(mfa_token=mfa_token)
    allow = list(passkeys_of(user=pending.user).values_list("credential_id", flat=True))
    if not allow:
        raise Conflict("This account has no passkey.")
    challenge, options = ceremony.authentication_options(allow=allow)
    return _challenge_store(
        kind=Ceremony.MFA, challenge=challenge, options=options, mfa_challenge=pending
    )


@sensitive_variables("mfa_token", "credential")
def passkey_mfa_login_complete(
    *,
    mfa_token: str,
    challenge_id: uuid.UUID,
    credential: dict[str, Any],
    request: HttpRequest,
) -> tuple[User, list[str]]:
    """The second stage of a password login, answered with a passkey: one try of the
    ``mfa_token``; a wrong or replayed assertion is MfaLoginCodeInvalid and counts toward
    the account's lockout like a wrong code."""
    assertion = ceremony.authentication_credential_parse(data=credential)
    pending = mfa_challenge_take(mfa_token=mfa_token)

    def verify() -> list[str] | None:
        try:
            challenge = _challenge_take(
                challenge_id=challenge_id, kind=Ceremony.MFA, mfa_challenge=pending
            )
            passkey = passkey_for_credential(
                credential_id=ceremony.credential_id_text(assertion.raw_id), user=pending.user
            )
            if passkey is None:
                return None
            _assertion_accept(
                passkey=passkey,
                assertion=assertion,
                challenge=challenge,
                kind=Ceremony.MFA,
                request=request,
            )
        except (PasskeyChallengeInvalid, InvalidCredentials):
            return None
        return AMR_PASSWORD_AND_PASSKEY

    amr = factor_attempt(
        user=pending.user,
        lockout_key=pending.lockout_key,
        request=request,
        wrong=MfaLoginCodeInvalid,
        method="passkey",
        verify=verify,
        take_back=False,  # the login completes now and resets the whole count
    )
    return mfa_login_finish(challenge=pending, amr=amr, request=request), amr


def passkey_challenges_purge(*, retention: timedelta) -> int:
    """Delete challenges that expired more than ``retention`` ago; how many."""
    deleted, _ = PasskeyChallenge.objects.filter(expires_at__lt=timezone.now() - retention).delete()
    return deleted
