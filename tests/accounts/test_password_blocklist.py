"""The blocklist bites under the composition rule, and the NIST profile."""

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.passwords.validators import (
    BlocklistValidator,
    common_password,
    common_passwords,
    password_variants,
)
from tests.problem import assert_problem

ROOT = Path(__file__).resolve().parents[2]
REGISTER = "/api/v1/auth/register"


def _codes(password: str, user: object = None) -> set[str]:
    try:
        BlocklistValidator().validate(password, user)
    except ValidationError as exc:
        return {error.code for error in exc.error_list}
    return set()


@pytest.mark.parametrize(
    "password",
    [
        "Welcome1!",
        "Summer2025!",
        "P@ssw0rd1",
        "!!Dragon99",
        "M0nk3y#2024",
        "Iloveyou1!",
        "Qwerty123!",
    ],
)
def test_common_passwords_in_decorated_forms_are_refused(password):
    # each satisfies length and all four character classes
    assert _codes(password) == {"password_too_common"}


@pytest.mark.parametrize(
    "password",
    ["Correct-Horse-9-battery", "Brand-New-Secret-42", "k7#Qm!x2Lp9@", "Summer-Lake-Orbit-7"],
)
def test_uncommon_passwords_pass(password):
    assert _codes(password) == set()


def test_variants_strip_decorations_before_undoing_substitutions():
    # the trailing 1 is a decoration, not an "i"; the 0 inside is an "o"
    variants = password_variants("P@ssw0rd1")
    assert "password" in variants
    assert "p@ssw0rd1" in variants  # the plain case-folded form is checked too


@pytest.mark.parametrize(
    ("password", "user"),
    [
        ("Quillfeather2025!", SimpleNamespace(username="quillfeather", email="q@example.com")),
        ("Quintessa#77", SimpleNamespace(username="someone", email="quintessa@example.com")),
        ("Quill-Feather1!", SimpleNamespace(username="quill_feather", email="qf@example.com")),
    ],
)
def test_a_password_built_on_the_users_own_names_is_refused(password, user):
    assert _codes(password, user) == {"password_too_similar"}


def test_a_password_built_on_the_service_name_is_refused(settings):
    settings.AUTH_SERVICE_NAME = "Acme Identity"

    assert _codes("Acme2025!!") == {"password_too_similar"}
    assert _codes("Identity#2025") == {"password_too_similar"}


def test_a_context_word_inside_a_long_password_is_allowed():
    user = SimpleNamespace(username="quillfeather", email="q@example.com")

    assert _codes("Quillfeather-Orbit-Lake-7", user) == set()


@pytest.mark.django_db
def test_registration_refuses_a_decorated_common_password_with_its_code(api):
    payload = {"username": "newcomer", "email": "new@example.com", "password": "Summer2025!"}

    body = assert_problem(api.post(REGISTER, payload, format="json"), 400, "validation_error")

    assert "This password is too common." in body["errors"]["password"]


def test_the_blocklist_applies_to_every_path_that_validates_a_password():
    with pytest.raises(ValidationError) as caught:
        validate_password("Welcome1!")
    assert "password_too_common" in {e.code for e in caught.value.error_list}


def _validators(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AUTH_"))}
    result = subprocess.run(
        [sys.executable, "-c", "from config import settings; "
         "print([(v['NAME'].rsplit('.', 1)[1], v.get('OPTIONS')) "
         "for v in settings.AUTH_PASSWORD_VALIDATORS])"],
        cwd=ROOT, env={**clean, "DJANGO_DEBUG": "1", **env},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    return result.stdout + result.stderr


def test_the_default_profile_is_eight_characters_and_four_classes_with_the_blocklist():
    out = _validators()
    assert "('MinimumLengthValidator', {'min_length': 8})" in out
    assert "CharacterClassesValidator" in out
    assert "BlocklistValidator" in out


def test_the_nist_profile_is_fifteen_characters_no_composition_with_the_blocklist():
    out = _validators(AUTH_PASSWORD_PROFILE="nist")
    assert "('MinimumLengthValidator', {'min_length': 15})" in out
    assert "CharacterClassesValidator" not in out
    assert "BlocklistValidator" in out


def test_an_unknown_profile_stops_start_up():
    out = _validators(AUTH_PASSWORD_PROFILE="lax")
    assert "ImproperlyConfigured" in out
    assert "AUTH_PASSWORD_PROFILE must be default or nist" in out


def test_the_list_is_looked_up_whole_entries_only():
    assert common_password("password")
    assert not common_password("passwor")  # a prefix of an entry
    assert not common_password("password\n123456")  # two entries, one candidate
    assert common_passwords() >= {"password", "123456"}
