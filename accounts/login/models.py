"""The lockout counter's table."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class LoginLockoutQuerySet(models.QuerySet["LoginLockout"]):
    def locked(self) -> "LoginLockoutQuerySet":
        """Counters that refuse logins now: in a lock window, or past the hard limit."""
        window_start = timezone.now() - settings.AXES_COOLOFF_TIME
        return self.filter(
            Q(attempts__gte=settings.AXES_FAILURE_LIMIT, last_attempt_at__gt=window_start)
            | Q(failures_total__gte=settings.AUTH_LOCKOUT_HARD_LIMIT)
        )


class LoginLockout(models.Model):
    """The lockout counter of one account (or unknown login name): one row per ``key``.

    Replaces django-axes' AccessAttempt as the count, because axes counts per
    (username, IP, user agent) after the password check, non-atomically (axes #592).
    Every login attempt takes a number here, atomically and before the password is
    checked; a success or an unlock deletes the row. The attempt records themselves are axes'
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
    failures_total = models.PositiveIntegerField(
        default=0,
        help_text="Attempts since the last success or unlock, across windows; "
        "AUTH_LOCKOUT_HARD_LIMIT of them lock the account until a reset or an unlock.",
    )

    objects = LoginLockoutQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.key}: {self.attempts}"
