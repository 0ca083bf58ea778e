"""Username shape and password composition rules."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.deconstruct import deconstructible

USERNAME_MIN_LENGTH = 3
USERNAME_MAX_LENGTH = 32
# Explicit ASCII classes and \Z: \w and str.isalnum() accept Unicode letters and digits,
# and $ would accept a trailing newline. The same pattern backs the database check.
USERNAME_PATTERN = rf"^[A-Za-z0-9_]{{{USERNAME_MIN_LENGTH},{USERNAME_MAX_LENGTH}}}\Z"

validate_username = RegexValidator(
    re.compile(USERNAME_PATTERN),
    message=(
        f"Use {USERNAME_MIN_LENGTH} to {USERNAME_MAX_LENGTH} characters: "
        "ASCII letters, digits and underscore."
    ),
    code="invalid_username",
)


@deconstructible
class CharacterClassesValidator:
    """At least one upper-case letter, one lower-case letter, one digit and one other character.

    The product's default; OWASP ASVS 5.0 and NIST SP 800-63B-4 advise against
    composition rules, so AUTH_PASSWORD_REQUIRE_CHARACTER_CLASSES=0 removes it.
    """

    RULES = (
        (str.isupper, "password_no_upper", "one upper-case letter"),
        (str.islower, "password_no_lower", "one lower-case letter"),
        (str.isdigit, "password_no_digit", "one digit"),
        (lambda char: not char.isalnum(), "password_no_symbol", "one special character"),
    )

    def validate(self, password: str, user: object = None) -> None:
        failures = [
            ValidationError(f"The password must contain at least {what}.", code=code)
            for test, code, what in self.RULES
            if not any(test(char) for char in password)
        ]
        if failures:
            raise ValidationError(failures)

    def get_help_text(self) -> str:
        return (
            "Your password must contain an upper-case letter, a lower-case letter, "
            "a digit and a special character."
        )
