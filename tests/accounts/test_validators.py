import pytest
from django.core.exceptions import ValidationError

from accounts.passwords.validators import CharacterClassesValidator
from accounts.users.validators import validate_username


@pytest.mark.parametrize("username", ["abc", "A_b_9", "x" * 32, "___"])
def test_valid_usernames(username):
    validate_username(username)


@pytest.mark.parametrize("username", ["ab", "x" * 33, "é_bc", "abc\n", "ab c", "ａｂｃ", "abc١"])
def test_invalid_usernames(username):
    with pytest.raises(ValidationError):
        validate_username(username)


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("Aa1!", set()),
        ("ÄäÖ1 ", set()),  # Unicode letters count, a space is a special character
        ("aa1!", {"password_no_upper"}),
        ("AA1!", {"password_no_lower"}),
        ("Aa!!", {"password_no_digit"}),
        ("Aa11", {"password_no_symbol"}),
        ("", {"password_no_upper", "password_no_lower", "password_no_digit", "password_no_symbol"}),
    ],
)
def test_character_classes_report_every_missing_class(password, codes):
    validator = CharacterClassesValidator()
    if not codes:
        validator.validate(password)
        return

    with pytest.raises(ValidationError) as caught:
        validator.validate(password)

    assert {error.code for error in caught.value.error_list} == codes


def test_character_classes_help_text_names_the_rule():
    assert "digit" in CharacterClassesValidator().get_help_text()
