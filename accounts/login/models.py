"""The lockout counter's table."""

from django.db import models


class LoginLockout(models.Model):
    """The lockout counter of one account (or unknown login name): one row per ``key``.

    Replaces django-axes' AccessAttempt as the count, because axes counts per
    (username, IP, user agent) after the password check, non-atomically (axes #592).
    Every login attempt takes a number here, atomically and before the password is
    checked; a success deletes the row. The attempt records themselves are axes'
    AccessFailureLog and AccessLog.
    """

    key = models.CharField(
        max_length=255, primary_key=True, help_text="accounts.login.axes.lockout_key of the login."
    )
    attempts = models.PositiveIntegerField(
        default=0, help_text="Attempts in the current window not followed by a success."
    )
    last_attempt_at = models.DateTimeField(
        help_text="The window (and a lock) ends AUTH_LOCKOUT_COOLOFF seconds after this."
    )

    def __str__(self) -> str:
        return f"{self.key}: {self.attempts}"
