"""TOTP enrolment from inside the admin, for staff sent there by AUTH_ADMIN_REQUIRE_MFA.

The API's ``totp_enrol_begin`` asks for the current password; here the admin session has
just been opened with it, so the page starts an enrolment without asking again. The
confirmation is the API's own (``totp_enrol_confirm``): the same lockout count, recovery
codes, ended API sessions and ``mfa_enabled`` audit row.
"""

from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.mfa.models import TotpDevice
from accounts.mfa.selectors import totp_device_confirmed
from accounts.mfa.services import TotpEnrolment, totp_enrol_confirm
from accounts.mfa.totp import totp_qr_svg, totp_secret_new, totp_secret_seal, totp_uri
from accounts.users.models import User
from authsvc.exceptions import Conflict


@sensitive_variables("secret")
def admin_totp_enrol_begin(*, user: User) -> TotpEnrolment:
    """A new pending secret for ``user`` (replacing a pending one); Conflict when TOTP is on."""
    if totp_device_confirmed(user=user) is not None:
        raise Conflict("TOTP is already on.")
    secret = totp_secret_new()
    TotpDevice.objects.update_or_create(
        user=user,
        defaults={
            "name": "Authenticator app",
            "confirmed": False,
            "confirmed_at": None,
            "sealed_key": totp_secret_seal(secret),
            "last_t": -1,
            "created_at": timezone.now(),
        },
    )
    uri = totp_uri(secret=secret, account=user.email or user.username)
    return TotpEnrolment(secret=secret, otpauth_uri=uri, qr_svg=totp_qr_svg(uri))


@sensitive_variables("code")
def admin_totp_enrol_confirm(*, user: User, code: str, request: HttpRequest) -> TotpDevice:
    """Turn TOTP on with the pending secret's first code; the device, now confirmed.

    Raises what ``totp_enrol_confirm`` raises: MfaCodeInvalid, AccountLocked, Conflict.
    """
    totp_enrol_confirm(user=user, code=code, request=request)
    # The service confirms with an UPDATE; django_otp.login needs the confirmed row.
    return TotpDevice.objects.get(user=user, confirmed=True)
