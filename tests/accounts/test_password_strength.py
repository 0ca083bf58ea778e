"""zxcvbn's strength estimate in the password policy (StrengthValidator, min score 3)."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.passwords.validators import StrengthValidator
from tests.accounts.test_password_blocklist import _validators
from tests.problem import assert_problem

REGISTER = "/api/v1/auth/register"
TOO_WEAK = (
    "This password is too easy to guess: add another word or some characters that do not "
    "follow a pattern."
)


def _codes(password: str, user: object = None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return {e.code for e in error.error_list}
    return set()


@pytest.mark.parametrize("password", ["1qaz2wsx#EDC", "Qazwsx123!", "Abc123abc!"])
def test_keyboard_walks_and_sequences_are_too_weak(password):
    assert "password_too_weak" in _codes(password)


@pytest.mark.parametrize("password", ["Hx7!qLm2Rz", "Purple-Mango-Kite-88", "Jan1990!!xx"])
def test_passwords_without_a_pattern_pass(password):
    assert _codes(password) == set()


def test_the_estimate_is_given_the_users_own_words():
    tindalos = SimpleNamespace(username="tindalos", email="t@example.com")

    StrengthValidator().validate("Tindalos1987!")  # strong for anyone else
    with pytest.raises(ValidationError) as caught:
        StrengthValidator().validate("Tindalos1987!", tindalos)

    assert caught.value.code == "password_too_weak"


def test_only_the_first_64_characters_are_estimated_so_long_input_stays_cheap():
    # a strong start is enough; a weak start is not rescued by what follows 64 characters
    StrengthValidator().validate("Hx7!qLm2Rz-Purple-Mango" + "a" * 200)
    with pytest.raises(ValidationError):
        StrengthValidator().validate("a" * 64 + "Hx7!qLm2Rz-Purple-Mango")


@pytest.mark.django_db
def test_registration_reports_a_weak_password_with_its_message(api):
    payload = {"username": "newcomer", "email": "new@example.com", "password": "1qaz2wsx#EDC"}

    body = assert_problem(api.post(REGISTER, payload, format="json"), 400, "validation_error")

    assert body["errors"]["password"] == [TOO_WEAK]


def test_the_minimum_score_is_three_by_default_and_configurable():
    assert "('StrengthValidator', {'min_score': 3})" in _validators()
    assert "('StrengthValidator', {'min_score': 4})" in _validators(AUTH_PASSWORD_MIN_SCORE="4")
    assert "StrengthValidator" not in _validators(AUTH_PASSWORD_MIN_SCORE="0")


def test_a_score_outside_zero_to_four_stops_start_up():
    out = _validators(AUTH_PASSWORD_MIN_SCORE="5")
    assert "AUTH_PASSWORD_MIN_SCORE must be between 0 and 4" in out
