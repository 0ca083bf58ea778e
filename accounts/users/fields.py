"""Serializer fields every request body with text or a password uses."""

from typing import Any

from rest_framework import serializers


class TextField(serializers.CharField):
    """A CharField that refuses strings that cannot be stored or hashed as UTF-8.

    JSON allows lone surrogates ("\\ud800"); left in, they fail later at the
    database or the hasher with a 500 instead of a 400 here.
    """

    default_error_messages = {"invalid_unicode": "Contains characters that are not valid Unicode."}

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("invalid_unicode")
        return value


class PasswordField(TextField):
    """Passwords are used exactly as sent: never trimmed, never truncated."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("write_only", True)
        kwargs.setdefault("style", {"input_type": "password"})
        super().__init__(**kwargs)
