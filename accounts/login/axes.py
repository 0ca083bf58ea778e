"""django-axes glue: the handler (AXES_HANDLER) counting with the atomic lockout counter,
the lockout key (AXES_USERNAME_CALLABLE) and the 423 response (AXES_LOCKOUT_CALLABLE).

Axes keeps its role (AxesBackend refuses locked accounts before any hash; its
AccessFailureLog records every failed or refused attempt; its admin and
``axes_reset*`` commands keep working) while the count moves to LoginLockout:
one row per account, taken atomically before the password check (axes #592).
Successes are recorded once, by the audit trail (login_succeeded), not in AccessLog.
"""

import logging
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessFailureLog
from axes.signals import user_locked_out
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.login import lockout
from accounts.login.devices import account_of_lockout_key
from accounts.login.models import LoginLockout
from accounts.login.services import account_lock_announce
from accounts.users.models import User
from authsvc.exceptions import AccountLocked
from authsvc.problems import problem_response

logger = logging.getLogger("authsvc.lockout")


def lockout_key(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """AXES_USERNAME_CALLABLE: the lockout key of the login in ``credentials``.

    Axes asks several times per attempt (before, on failure, for the record); the account
    lookup behind the key runs once, remembered on the request by ``user_for_login``.
    """
    login = (credentials or {}).get("username")
    if login is None and request is not None:
        login = request.POST.get("username")  # the admin's login form
    return lockout.login_lockout_key(str(login or ""), request)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the 423 problem for any login axes refused (the admin's too)."""
    if original_response is not None and original_response.status_code == AccountLocked.status:
        return original_response  # already our problem document, from the API
    key = lockout_key(request, credentials if isinstance(credentials, dict) else None)
    attempt: lockout.Attempt | None = getattr(request, "lockout_attempt", None)
    return problem_response(lockout.lockout_error(key=key, attempt=attempt))


def _record(request: Any, key: str, *, locked_out: bool) -> AccessFailureLog:
    return AccessFailureLog.objects.create(
        username=key,
        ip_address=request.axes_ip_address,
        user_agent=request.axes_user_agent,
        http_accept=request.axes_http_accept[:1025],
        path_info=request.axes_path_info[:255],
        attempt_time=request.axes_attempt_time,
        locked_out=locked_out,
    )


class AtomicLockoutHandler(AxesDatabaseHandler):
    def is_allowed(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        """Called by AxesBackend before the password check: takes the attempt's number."""
        if self.is_blacklisted(request, credentials):
            return False
        if self.is_whitelisted(request, credentials):
            return True
        attempt = lockout.lockout_attempt_begin(key=lockout_key(request, credentials))
        request.lockout_attempt = attempt
        return attempt.allowed

    def is_locked(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        return lockout.lockout_is_locked(key=lockout_key(request, credentials))

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        row = LoginLockout.objects.filter(key=lockout_key(request, credentials)).first()
        return row.attempts if row is not None else 0

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        if request is None:
            logger.error("login failure without a request: not counted (axes #478)")
            return
        key = lockout_key(request, credentials)
        attempt: lockout.Attempt | None = getattr(request, "lockout_attempt", None)
        refused = bool(request.axes_locked_out)
        locks_now = not refused and attempt is not None and attempt.locks_account
        _record(request, key, locked_out=refused or locks_now)
        if refused:
            user_locked_out.send(
                "axes", request=request, username=key, ip_address=request.axes_ip_address
            )
        elif locks_now and attempt is not None:
            self._announce_lock(request, key, attempt)

    def _announce_lock(self, request: HttpRequest, key: str, attempt: lockout.Attempt) -> None:
        # A trusted device's own lock is still its account's event: audited and mailed.
        user = User.objects.for_login(account_of_lockout_key(key))
        ip = request.axes_ip_address  # type: ignore[attr-defined]
        user_locked_out.send("axes", request=request, username=key, ip_address=ip)
        account_lock_announce(user=user, attempt=attempt, request=request, ip=ip)

    def user_logged_in(self, sender: Any, request: Any, user: User, **kwargs: Any) -> None:
        # AXES_RESET_ON_SUCCESS. No AccessLog row: the audit trail's login_succeeded row
        # records the success (user, IP, agent, request id); a second row cost each login
        # an INSERT (docs/performance.md).
        lockout.lockout_reset(key=lockout.user_lockout_key(user))

    def reset_attempts(
        self,
        *,
        ip_address: str | None = None,
        username: str | None = None,
        ip_or_username: bool = False,
    ) -> int:
        """For axes_reset*, the admin and unlock_user: clears the matching counters."""
        counters = LoginLockout.objects.all()
        by_name = counters.filter(key=lockout.login_lockout_key(username)) if username else None
        by_ip = None
        if ip_address:
            since = timezone.now() - lockout.lockout_cooloff()
            keys = AccessFailureLog.objects.filter(ip_address=ip_address, attempt_time__gte=since)
            by_ip = counters.filter(key__in=keys.values("username"))
        if by_name is not None and by_ip is not None:
            counters = (by_name | by_ip) if ip_or_username else (by_name & by_ip)
        elif by_name is not None or by_ip is not None:
            counters = by_name if by_name is not None else by_ip  # type: ignore[assignment]
        count, _ = counters.delete()
        super().reset_attempts(
            ip_address=ip_address, username=username, ip_or_username=ip_or_username
        )
        return count
