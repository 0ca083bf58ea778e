"""Loading the token signing key at start-up, so a missing or bad key stops the service at once.

Settings call ``signing_key_pem``; it returns the private key as PEM text after checking
that it parses and is of a supported kind (RSA >= 3072 bits for RS256, P-256 for ES256).
Every failure is one line on stderr (``SystemExit``), like the DJANGO_SECRET_KEY check:
it is an operator's mistake, not a bug.
"""

import os
import re
import sys
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

# 128-bit security for new signatures (NIST SP 800-57 Pt 1 Table 2, ASVS 5.0 V11.2.3). A retired
# key only verifies tokens it signed before a rotation, so it may be one of the 2048-bit keys
# that were allowed before (SP 800-131A's floor), letting those sessions end on time.
RSA_MIN_BITS = 3072
RSA_MIN_BITS_RETIRED = 2048
_PUBLIC_PEM = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)


def _stop(message: str) -> SystemExit:
    return SystemExit(f"authsvc: {message}")


def _pem_text(raw: str) -> str:
    """PEM from an environment variable, where newlines are often written as a literal \\n."""
    return raw.replace("\\n", "\n").strip() + "\n"


def check_supported(key: object, *, source: str, rsa_min_bits: int = RSA_MIN_BITS) -> None:
    """Refuse key types the service does not sign or verify with."""
    public = (
        key.public_key() if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) else key
    )
    if isinstance(public, rsa.RSAPublicKey):
        if public.key_size < rsa_min_bits:
            raise _stop(f"{source} is an RSA key of {public.key_size} bits; use {rsa_min_bits}+.")
        return
    if isinstance(public, ec.EllipticCurvePublicKey) and isinstance(public.curve, ec.SECP256R1):
        return
    raise _stop(f"{source} must be an RSA (RS256) or EC P-256 (ES256) key.")


def _validated_private_pem(pem: str, *, source: str) -> str:
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise _stop(f"{source} is not an unencrypted PEM private key.") from None
    check_supported(key, source=source)
    return pem


def _dev_key_pem(path: Path) -> str:
    """The dev key at ``path``, created once, atomically (parallel processes must agree)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
            tmp.write(pem)
        os.chmod(tmp.name, 0o600)
        try:
            os.link(tmp.name, path)  # fails if another process won: then its key is used
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp.name)
    return path.read_text()


def signing_key_pem(*, pem: str, pem_file: str, debug: bool, dev_key_path: Path) -> str:
    """The private signing key as PEM: ``pem``, else ``pem_file``, else (debug only) a dev key."""
    if pem.strip():
        return _validated_private_pem(_pem_text(pem), source="AUTH_JWT_PRIVATE_KEY")
    if pem_file:
        try:
            text = Path(pem_file).read_text()
        except OSError as exc:
            raise _stop(f"AUTH_JWT_PRIVATE_KEY_FILE cannot be read: {exc.strerror}.") from None
        return _validated_private_pem(text, source="AUTH_JWT_PRIVATE_KEY_FILE")
    if not debug:
        raise _stop(  # one line, like the DJANGO_SECRET_KEY check
            "AUTH_JWT_PRIVATE_KEY or AUTH_JWT_PRIVATE_KEY_FILE is required "
            "when DJANGO_DEBUG is off."
        )
    text = _dev_key_pem(dev_key_path)
    print(
        f"authsvc: DJANGO_DEBUG is on and no AUTH_JWT_PRIVATE_KEY is set: tokens are signed "
        f"with the development key {dev_key_path} (never use it in production).",
        file=sys.stderr,
    )
    return _validated_private_pem(text, source=str(dev_key_path))


def previous_public_pems(raw: str) -> list[str]:
    """Retired public keys (concatenated PEMs) that still verify tokens until they expire."""
    pems = [match.group(0) + "\n" for match in _PUBLIC_PEM.finditer(_pem_text(raw))]
    if raw.strip() and not pems:
        raise _stop("AUTH_JWT_PREVIOUS_PUBLIC_KEYS holds no PEM public key.")
    for index, pem in enumerate(pems):
        try:
            key = serialization.load_pem_public_key(pem.encode())
        except ValueError:
            raise _stop(
                f"AUTH_JWT_PREVIOUS_PUBLIC_KEYS key #{index + 1} is not a valid PEM."
            ) from None
        check_supported(
            key,
            source=f"AUTH_JWT_PREVIOUS_PUBLIC_KEYS key #{index + 1}",
            rsa_min_bits=RSA_MIN_BITS_RETIRED,
        )
    return pems
