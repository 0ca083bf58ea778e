"""The password policy's own rules (blocklist, strength, composition, breached passwords).

Django's validators (length, similarity) are listed beside these in AUTH_PASSWORD_VALIDATORS;
every path that sets a password calls ``validate_password``. docs/passwords.md has the
measurements behind the choices.
"""

import gzip
import re
from functools import cache
from pathlib import Path

import django
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.views.decorators.debug import sensitive_variables

# Django's list of 20,000 common passwords (lower-case), the one CommonPasswordValidator reads.
COMMON_PASSWORDS_PATH = (
    Path(django.__file__).parent / "contrib" / "auth" / "common-passwords.txt.gz"
)
# What people type for a letter to satisfy a composition rule, undone.
_SUBSTITUTIONS = str.maketrans(
    {"@": "a", "4": "a", "8": "b", "(": "c", "3": "e", "6": "g", "9": "g", "1": "i", "!": "i",
     "|": "l", "0": "o", "$": "s", "5": "s", "7": "t", "+": "t", "2": "z"}
)  # fmt: skip
# Digits and symbols at either end: "Summer2025!" is "summer" with decorations.
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_WORD_SEPARATORS = re.compile(r"[\W_]+")
CONTEXT_WORD_MIN_LENGTH = 3
# A context word with fewer than this many other characters around it is the password.
CONTEXT_REMAINDER_MIN_LENGTH = 4
# zxcvbn's cost grows with length (3 ms at 64 characters, 7 ms at 138); a password whose
# first 64 are hard to guess is hard to guess, so only those are estimated.
STRENGTH_ESTIMATE_MAX_LENGTH = 64


@cache
def _common_passwords_text() -> str:
    """The list as one newline-framed string: 0.16 MB where a set of its 20,000 strings held
    1.6 MB in every worker that ever set a password. Looking a candidate up scans it (under
    0.1 ms), a few times per password set, beside a 250 ms hash."""
    with gzip.open(COMMON_PASSWORDS_PATH, "rt", encoding="utf-8") as lines:
        return "\n" + "\n".join(sorted({line.strip() for line in lines if line.strip()})) + "\n"


def common_password(candidate: str) -> bool:
    """Whether ``candidate`` is on the list, exactly (the list is lower-case)."""
    return "\n" not in candidate and f"\n{candidate}\n" in _common_passwords_text()


def common_passwords() -> frozenset[str]:
    """The whole list, for measurements (a new set on each call: not for the hot path)."""
    return frozenset(_common_passwords_text().strip("\n").split("\n"))


def password_variants(password: str) -> set[str]:
    """The forms a blocklist entry hides behind: case-folded, edges stripped, substitutions
    undone (stripping first, so a trailing "1" is a decoration, not an "i")."""
    folded = password.casefold()
    core = _EDGES.sub("", folded)
    variants = {folded, core, core.translate(_SUBSTITUTIONS)}
    variants.add(_EDGES.sub("", folded.translate(_SUBSTITUTIONS)))
    # "Quill-Feather" is "quillfeather": separators are decoration too.
    variants |= {_WORD_SEPARATORS.sub("", variant) for variant in variants}
    return {variant for variant in variants if variant}


def _context_words(user: object) -> set[str]:
    raw = [getattr(settings, "AUTH_SERVICE_NAME", "")]
    if user is not None:
        raw.append(str(getattr(user, "username", "") or ""))
        raw.append(str(getattr(user, "email", "") or "").partition("@")[0])
    words = set()
    for value in raw:
        folded = value.casefold()
        for word in (_WORD_SEPARATORS.sub("", folded), *_WORD_SEPARATORS.split(folded)):
            if len(word) >= CONTEXT_WORD_MIN_LENGTH:
                words.add(word.translate(_SUBSTITUTIONS))
    return words


@deconstructible
class BlocklistValidator:
    """Refuses a common password however it is decorated, and one built on who is asking.

    Django's CommonPasswordValidator compares the exact, lower-cased password, so under a
    composition rule it lets through ``Welcome1!``, ``Summer2025!`` and ``P@ssw0rd1``:
    the decorations the rule itself asks for. Here the list is checked against
    ``password_variants`` too, and the password must not be, or be little more than, the
    username, the email's local part or the service's name (AUTH_SERVICE_NAME).
    NIST SP 800-63B-4 §3.1.1.2 and OWASP ASVS 5.0 V6.2.4 / V6.2.11.
    """

    @sensitive_variables("password", "variants")
    def validate(self, password: str, user: object = None) -> None:
        variants = password_variants(password)
        if any(common_password(variant) for variant in variants):
            raise ValidationError("This password is too common.", code="password_too_common")
        for word in _context_words(user):
            if any(
                word in variant and len(variant) - len(word) < CONTEXT_REMAINDER_MIN_LENGTH
                for variant in variants
            ):
                raise ValidationError(
                    "The password is too close to your username, email or this service's name.",
                    code="password_too_similar",
                )

    def get_help_text(self) -> str:
        return (
            "Your password can't be a commonly used password, even with digits or symbols "
            "added or letters swapped for look-alikes, nor your username or email."
        )


@deconstructible
class StrengthValidator:
    """Refuses a password zxcvbn estimates easy to guess (score below ``min_score``, 0-4).

    The estimator models what no list of whole passwords holds: keyboard walks, dates,
    repeats, sequences, names and dictionary words with look-alike letters, and it is given
    the same context words as the blocklist. Measured in docs/passwords.md: on leaked
    passwords that satisfy the composition rule it refuses 2.5 times what the blocklist does,
    with no false positive on random passwords. Score 3 is zxcvbn's "safely unguessable:
    moderate protection from offline slow-hash scenario" (about 10^10 guesses).
    """

    def __init__(self, min_score: int = 3) -> None:
        self.min_score = min_score

    @sensitive_variables("password")
    def validate(self, password: str, user: object = None) -> None:
        # Imported on first use: its word lists cost 9 MiB per process, which processes
        # that never set a password (a mail worker, most management commands) need not pay.
        from zxcvbn_rs_py import zxcvbn

        estimate = zxcvbn(
            password[:STRENGTH_ESTIMATE_MAX_LENGTH], user_inputs=sorted(_context_words(user))
        )
        if int(estimate.score) < self.min_score:
            raise ValidationError(
                "This password is too easy to guess: add another word or some characters "
                "that do not follow a pattern.",
                code="password_too_weak",
            )

    def get_help_text(self) -> str:
        return "Your password must be hard to guess: no keyboard patterns, dates or names."


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
        # Imported on first use: its HTTP client (httpx) is for this check alone, which is
        # off by default (tests/test_import_cost.py).
        from authsvc.pwned import password_breach_count

        if password_breach_count(password=password):
            raise ValidationError(
                "This password has appeared in a data breach; choose another one.",
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return "Your password must not be one that has appeared in a known data breach."
