"""Start-up handling of the token signing key: one clear line for every operator mistake."""

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from config.signing_keys import previous_public_pems, signing_key_pem
from tests.servers import run_manage

ROOT = Path(__file__).resolve().parent.parent


def _private_pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _public_pem(key) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def test_missing_signing_key_stops_startup_with_one_clear_line():
    result = run_manage("check", DJANGO_SECRET_KEY="x" * 50)

    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "authsvc: AUTH_JWT_PRIVATE_KEY or AUTH_JWT_PRIVATE_KEY_FILE is required "
        "when DJANGO_DEBUG is off."
    ]


def test_debug_without_a_key_uses_a_kept_development_key_and_says_so_once():
    first = run_manage("check", DJANGO_DEBUG="1")

    assert first.returncode == 0, first.stderr
    notices = [line for line in first.stderr.splitlines() if "development key" in line]
    assert len(notices) == 1
    assert "var/jwt-dev-key.pem" in notices[0]
    dev_key = ROOT / "var" / "jwt-dev-key.pem"
    assert dev_key.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert "BEGIN PRIVATE KEY" in dev_key.read_text()


def _load(**overrides) -> str:
    options = {"pem": "", "pem_file": "", "debug": False, "dev_key_path": Path("/nonexistent")}
    return signing_key_pem(**{**options, **overrides})


def test_an_ec_p256_key_is_accepted_even_with_escaped_newlines():
    pem = _private_pem(ec.generate_private_key(ec.SECP256R1()))

    assert _load(pem=pem.replace("\n", "\\n")) == pem


def test_a_key_file_is_read(tmp_path):
    pem = _private_pem(ec.generate_private_key(ec.SECP256R1()))
    (tmp_path / "key.pem").write_text(pem)

    assert _load(pem_file=str(tmp_path / "key.pem")) == pem


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"pem": "not a pem"},
            "authsvc: AUTH_JWT_PRIVATE_KEY is not an unencrypted PEM private key.",
        ),
        ({"pem_file": "/nonexistent/key.pem"}, "authsvc: AUTH_JWT_PRIVATE_KEY_FILE cannot be read"),
    ],
)
def test_unusable_keys_stop_startup_naming_the_variable(overrides, message):
    with pytest.raises(SystemExit) as stopped:
        _load(**overrides)

    assert str(stopped.value).startswith(message)
    assert "\n" not in str(stopped.value)


@pytest.mark.parametrize(
    ("make_key", "message"),
    [
        (lambda: rsa.generate_private_key(65537, 1024), "RSA key of 1024 bits"),  # noqa: S505
        (lambda: rsa.generate_private_key(65537, 2048), "RSA key of 2048 bits; use 3072+"),
        (lambda: ec.generate_private_key(ec.SECP384R1()), "must be an RSA (RS256) or EC P-256"),
    ],
)
def test_unsupported_key_kinds_are_refused(make_key, message):
    with pytest.raises(SystemExit) as stopped:
        _load(pem=_private_pem(make_key()))

    assert message in str(stopped.value)


def test_previous_public_keys_are_split_from_one_variable():
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(2)]

    pems = previous_public_pems("\n".join(_public_pem(key) for key in keys))

    assert pems == [_public_pem(key) for key in keys]
    assert previous_public_pems("") == []


@pytest.mark.parametrize(
    "raw",
    [
        "garbage",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
    ],
)
def test_unusable_previous_public_keys_stop_startup(raw):
    with pytest.raises(SystemExit) as stopped:
        previous_public_pems(raw)

    assert str(stopped.value).startswith("authsvc: AUTH_JWT_PREVIOUS_PUBLIC_KEYS")


def test_a_signing_key_of_3072_bits_is_accepted():
    pem = _private_pem(rsa.generate_private_key(65537, 3072))

    assert _load(pem=pem) == pem


def test_a_retired_2048_bit_rsa_key_still_verifies_but_not_a_1024_bit_one():
    retired = _public_pem(rsa.generate_private_key(65537, 2048))
    weak = _public_pem(rsa.generate_private_key(65537, 1024))  # noqa: S505

    assert previous_public_pems(retired) == [retired]
    with pytest.raises(SystemExit, match="key #1 is an RSA key of 1024 bits; use 2048"):
        previous_public_pems(weak)


def test_a_previous_key_of_an_unsupported_kind_is_refused():
    with pytest.raises(SystemExit, match="key #1"):
        previous_public_pems(_public_pem(ec.generate_private_key(ec.SECP384R1())))


def test_an_existing_development_key_is_kept(tmp_path):
    path = tmp_path / "var" / "dev.pem"

    first = _load(debug=True, dev_key_path=path)
    second = _load(debug=True, dev_key_path=path)

    assert first == second == path.read_text()
