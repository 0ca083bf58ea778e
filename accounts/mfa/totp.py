"""TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps, one step of skew either way) on
django-otp's HOTP, with the secret sealed at rest and each time step accepted once.

The secret is sealed under AUTH_FIELD_ENCRYPTION_KEY, a key the database does not hold:
a dump of it alone yields no codes. Debug runs without the key fall back to SECRET_KEY so
``make run`` works; with debug off, enrolment and code checks refuse to run without it.
"""

import base64
import hmac
import logging
import re
import secrets
import time
from urllib.parse import quote, urlencode

from cryptography.fernet import InvalidToken, MultiFernet
from django.conf import settings
from django_otp.oath import hotp

from accounts.mfa.models import TotpDevice
from authsvc.exceptions import ServiceUnavailable
from authsvc.sealing import sealer

logger = logging.getLogger("authsvc.mfa")

TOTP_STEP_SECONDS = 30
TOTP_DIGITS = 6
TOTP_SKEW_STEPS = 1
SECRET_BYTES = 20  # 160 bits, RFC 4226 §4's recommended length for HMAC-SHA-1
_CODE = re.compile(r"[0-9]{6}")
_PURPOSE = b"authsvc totp secret"


class FieldEncryptionUnavailable(ServiceUnavailable):
    default_detail = "Second factors are unavailable: the service has no field encryption key."


def _sealer() -> MultiFernet:
    keys = tuple(settings.AUTH_FIELD_ENCRYPTION_KEYS)
    if not keys:
        if not settings.DEBUG:
            logger.error("AUTH_FIELD_ENCRYPTION_KEY is not set: TOTP secrets cannot be used")
            raise FieldEncryptionUnavailable()
        keys = (settings.SECRET_KEY,)  # development only: settings refuse a missing key there
    return sealer(keys, _PURPOSE)


def totp_secret_new() -> str:
    """A new shared secret, base32 as authenticator apps take it."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def totp_secret_seal(secret: str) -> str:
    return _sealer().encrypt(secret.encode("ascii")).decode("ascii")


def _device_key(device: TotpDevice) -> bytes:
    try:
        secret = _sealer().decrypt(device.sealed_key.encode("ascii"))
    except InvalidToken as exc:
        logger.error("a TOTP secret does not open with AUTH_FIELD_ENCRYPTION_KEY")
        raise FieldEncryptionUnavailable() from exc
    return base64.b32decode(secret)


def totp_uri(*, secret: str, account: str) -> str:
    """The ``otpauth://`` URI authenticator apps read from the QR code (Key Uri Format)."""
    issuer = settings.AUTH_MFA_ISSUER
    label = quote(f"{issuer}:{account}", safe="")
    query = urlencode(
        {
            "secret": secret.rstrip("="),
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": TOTP_DIGITS,
            "period": TOTP_STEP_SECONDS,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"


def totp_qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code, drawn here: no image service sees the secret."""
    # Imported on first use: only an enrolment draws a QR code (tests/test_import_cost.py).
    import segno

    return str(segno.make(uri, error="m").svg_inline(scale=4, border=4))


def totp_code_consume(*, device: TotpDevice, code: str) -> bool:
    """Whether ``code`` is the device's code for a step within the skew that no earlier
    code used; if so, that step is used up now (atomically: one request wins)."""
    if not _CODE.fullmatch(code):
        return False
    key = _device_key(device)
    now_t = int(time.time()) // TOTP_STEP_SECONDS
    for t in range(now_t - TOTP_SKEW_STEPS, now_t + TOTP_SKEW_STEPS + 1):
        if t <= device.last_t:
            continue
        if hmac.compare_digest(f"{hotp(key, t, TOTP_DIGITS):06d}", code):
            # RFC 6238 §5.2: a code is accepted once. The row's last_t decides, not ours.
            used = TotpDevice.objects.filter(pk=device.pk, last_t__lt=t).update(last_t=t)
            if used == 1:
                device.last_t = t
            return used == 1
    return False
