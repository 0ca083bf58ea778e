"""TOTP enrolment from inside the admin, for staff sent there by AUTH_ADMIN_REQUIRE_MFA.

The API's ``totp_enrol_begin`` asks for the current password; here the admin session has
just been opened with it, so the page starts one with ``totp_enrolment_start``. The
confirmation is the API's own (``totp_enrol_confirm``): the same lockout count, recovery
codes, ended API sessions and ``mfa_enabled`` audit row.
"""

from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from accounts.mfa.models import TotpDevice
from accounts.mfa.services import totp_enrol_confirm
from accounts.users.models import User


@sensitive_variables("code")
def admin_totp_enrol_confirm(
    *, user: User, code: str, request: HttpRequest
) -> tuple[TotpDevice, list[str]]:
    """Turn TOTP on with the pending secret's first code; the device, now confirmed, and the
    recovery codes to show once.

    Raises what ``totp_enrol_confirm`` raises: MfaCodeInvalid, AccountLocked, Conflict.
    """
    codes = totp_enrol_confirm(user=user, code=code, request=request)
    # The service confirms with an UPDATE; django_otp.login needs the confirmed row.
    return TotpDevice.objects.get(user=user, confirmed=True), codes
