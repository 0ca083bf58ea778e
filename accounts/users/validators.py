"""The shape of a username, shared by the model, its database check and the API."""

import re

from django.core.validators import RegexValidator

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
