"""Every call into py_webauthn, and the one place its exceptions become ours.

The library checks a ceremony (challenge, origin, RP id hash, flags, attestation, signature,
sign count); what it cannot know is ours and lives in the services: which challenge is live
and unused, which account a credential belongs to.
"""

import json
from functools import cache
from typing import TYPE_CHECKING, Any

from django.conf import settings

from accounts.users.models import User
from authsvc.exceptions import InvalidCredentials, PasskeyCounterRegressed, ValidationFailed

# py_webauthn (with cbor2, pyOpenSSL, pyasn1) is imported by each function on first use: a
# worker that never sees a passkey ceremony does not carry it (tests/test_import_cost.py).
if TYPE_CHECKING:
    from webauthn.authentication.verify_authentication_response import VerifiedAuthentication
    from webauthn.helpers.structs import AuthenticationCredential, RegistrationCredential
    from webauthn.registration.verify_registration_response import VerifiedRegistration

CHALLENGE_TTL_SECONDS = 300
_MALFORMED = "Not a credential in the JSON form of PublicKeyCredential.toJSON(): {reason}"
_NOT_VERIFIED = "The authenticator's response could not be verified; start again."
# The base64url members of PublicKeyCredential.toJSON(), per ceremony (WebAuthn L3 §5.1).
_REGISTRATION_BINARY = ("clientDataJSON", "attestationObject")
_AUTHENTICATION_BINARY = ("clientDataJSON", "authenticatorData", "signature", "userHandle")


@cache
def _refused() -> tuple[type[Exception], ...]:
    """What the library raises on a client's bytes. Beyond its own errors: binascii and CBOR
    errors are ValueErrors, and it indexes decoded CBOR unchecked (a COSE key without "crv"
    raises KeyError, one that is not a map TypeError, an empty one IndexError)."""
    from webauthn.helpers.exceptions import WebAuthnException

    return (WebAuthnException, ValueError, KeyError, TypeError, IndexError)


def credential_id_text(raw_id: bytes) -> str:
    from webauthn.helpers import bytes_to_base64url

    return bytes_to_base64url(raw_id)


def user_handle(user: User) -> bytes:
    """The account's opaque, stable WebAuthn user id: its UUID's 16 bytes (WebAuthn §14.6.1:
    no email or username, which would leak from the authenticator)."""
    return user.id.bytes


def registration_options(*, user: User, exclude: list[str]) -> tuple[bytes, dict[str, Any]]:
    """A new challenge and the PublicKeyCredentialCreationOptions (JSON form) carrying it."""
    from webauthn import generate_registration_options, options_to_json
    from webauthn.helpers import base64url_to_bytes
    from webauthn.helpers.structs import (
        AuthenticatorSelectionCriteria,
        PublicKeyCredentialDescriptor,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    options = generate_registration_options(
        rp_id=settings.AUTH_WEBAUTHN_RP_ID,
        rp_name=settings.AUTH_WEBAUTHN_RP_NAME,
        user_id=user_handle(user),
        user_name=user.username,
        user_display_name=user.username,
        timeout=CHALLENGE_TTL_SECONDS * 1000,
        # A discoverable credential is what makes the usernameless login possible.
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(item)) for item in exclude
        ],
    )
    return options.challenge, json.loads(options_to_json(options))


def authentication_options(*, allow: list[str]) -> tuple[bytes, dict[str, Any]]:
    """A new challenge and the PublicKeyCredentialRequestOptions (JSON form); ``allow``
    empty lets the authenticator offer any passkey of this RP (usernameless)."""
    from webauthn import generate_authentication_options, options_to_json
    from webauthn.helpers import base64url_to_bytes
    from webauthn.helpers.structs import (
        PublicKeyCredentialDescriptor,
        UserVerificationRequirement,
    )

    options = generate_authentication_options(
        rp_id=settings.AUTH_WEBAUTHN_RP_ID,
        timeout=CHALLENGE_TTL_SECONDS * 1000,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(item)) for item in allow
        ],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options.challenge, json.loads(options_to_json(options))


def _base64url_strict(data: dict[str, Any], members: tuple[str, ...]) -> None:
    """The library's decoder skips characters outside the alphabet, so "garbage" would decode
    to some bytes; a value must encode back to itself (padding aside)."""
    from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

    response = data.get("response")
    values = [data.get("rawId")]
    if isinstance(response, dict):
        values += [response.get(member) for member in members]
    for value in values:
        if isinstance(value, str) and bytes_to_base64url(base64url_to_bytes(value)) != (
            value.rstrip("=")
        ):
            raise ValueError("a binary member is not base64url")


def registration_credential_parse(*, data: dict[str, Any]) -> "RegistrationCredential":
    """The result of navigator.credentials.create(), or ValidationFailed on ``credential``."""
    from webauthn.helpers import parse_registration_credential_json

    try:
        _base64url_strict(data, _REGISTRATION_BINARY)
        return parse_registration_credential_json(data)
    except _refused() as exc:
        raise ValidationFailed(errors={"credential": [_MALFORMED.format(reason=exc)]}) from exc


def authentication_credential_parse(*, data: dict[str, Any]) -> "AuthenticationCredential":
    """The result of navigator.credentials.get(), or ValidationFailed on ``credential``."""
    from webauthn.helpers import parse_authentication_credential_json

    try:
        _base64url_strict(data, _AUTHENTICATION_BINARY)
        return parse_authentication_credential_json(data)
    except _refused() as exc:
        raise ValidationFailed(errors={"credential": [_MALFORMED.format(reason=exc)]}) from exc


def registration_verify(
    *, credential: "RegistrationCredential", challenge: bytes
) -> "VerifiedRegistration":
    """The attestation checked against ``challenge``, our RP id and origins (ValidationFailed
    otherwise). "none" attestation is all a passkey provider gives; nothing is trusted from
    the authenticator's model, so no attestation roots are configured."""
    from webauthn import verify_registration_response

    try:
        return verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=settings.AUTH_WEBAUTHN_RP_ID,
            expected_origin=list(settings.AUTH_WEBAUTHN_ORIGINS),
        )
    except _refused() as exc:
        raise ValidationFailed(errors={"credential": [_NOT_VERIFIED]}) from exc


def assertion_verify(
    *,
    credential: "AuthenticationCredential",
    challenge: bytes,
    public_key: bytes,
    sign_count: int,
) -> "VerifiedAuthentication":
    """The assertion checked against ``challenge``, our RP id and origins, the stored key and
    sign count. InvalidCredentials when it fails; PasskeyCounterRegressed when the only
    fault is the sign count (the signature is right: a cloned authenticator)."""
    from webauthn import verify_authentication_response

    def verify(current: int) -> "VerifiedAuthentication":
        return verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=settings.AUTH_WEBAUTHN_RP_ID,
            expected_origin=list(settings.AUTH_WEBAUTHN_ORIGINS),
            credential_public_key=public_key,
            credential_current_sign_count=current,
        )

    try:
        return verify(sign_count)
    except _refused() as exc:
        refused = exc
    # The library checks the count before the signature and says which failed only in
    # English: checked again with no stored count, a success means the count alone was wrong.
    # Only then is it a regression; an unsigned low count is just an invalid assertion.
    if sign_count > 0:
        try:
            verified = verify(0)
        except _refused():
            pass
        else:
            raise PasskeyCounterRegressed(received=verified.new_sign_count) from refused
    raise InvalidCredentials() from refused
