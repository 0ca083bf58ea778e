"""The password policy's own rules (composition, breached passwords).

Django's validators (length, similarity, common passwords) are listed beside these in
AUTH_PASSWORD_VALIDATORS; every path that sets a password calls ``validate_password``.
"""

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.views.decorators.debug import sensitive_variables

from authsvc.pwned import password_breach_count


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


@deconstructible
class BreachedPasswordValidator:
    """Refuses a password seen in data breaches (Pwned Passwords, k-anonymity range API).

    Listed in AUTH_PASSWORD_VALIDATORS when AUTH_PWNED_PASSWORDS=1, so every path that
    calls ``validate_password`` (registration, password change) gets it. Fails open: when
    the API is slow, failing or its breaker is open, the password passes this rule
    (a warning is logged) rather than blocking sign-ups on a third party.
    NIST SP 800-63B-4 §3.1.1.2: compare new passwords against a blocklist of breached ones.
    """

    @sensitive_variables("password")
    def validate(self, password: str, user: object = None) -> None:
        if password_breach_count(password=password):
            raise ValidationError(
                "This password has appeared in a data breach; choose another one.",
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return "Your password must not be one that has appeared in a known data breach."
