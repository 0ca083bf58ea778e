"""What the login capability adds to the user admin: lockout state, recent attempts, unlock."""

from itertools import chain
from typing import Any

from axes.models import AccessFailureLog
from django.contrib import admin, messages
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html_join

from accounts.audit.models import AuditLog
from accounts.audit.services import AuditAction
from accounts.login.devices import device_lockout_key
from accounts.login.lockout import lockout_cooloff, user_lockout_key
from accounts.login.models import LoginLockout
from accounts.login.services import user_unlock
from accounts.users.models import User

RECENT_ATTEMPTS_SHOWN = 20


def _with_lockout_state(queryset: QuerySet[User]) -> QuerySet[User]:
    """Annotate ``failed_logins`` (current window) and ``is_locked`` from LoginLockout."""
    since = timezone.now() - lockout_cooloff()
    counter = LoginLockout.objects.filter(key=OuterRef("username_key"), last_attempt_at__gt=since)
    return queryset.annotate(username_key=Lower("username")).annotate(
        failed_logins=Coalesce(Subquery(counter.values("attempts")[:1]), Value(0)),
        is_locked=Case(
            When(
                Exists(LoginLockout.objects.locked().filter(key=OuterRef("username_key"))),
                then=Value(1),
            ),
            default=Value(0),
            output_field=IntegerField(),
        ),
    )


class LockedFilter(admin.SimpleListFilter):
    title = "locked now"
    parameter_name = "locked"
    INLINE_KEYS_MAX = 500

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        if self.value() not in ("yes", "no"):
            return queryset
        locked = LoginLockout.objects.locked().values_list("key", flat=True)
        # Locked accounts are few: fetched first, they become index probes on lower(username)
        # instead of a membership test on every user row (flat as the users table grows).
        # During a mass lockout the list would be long: then a subquery does the same job.
        keys: Any = list(locked[: self.INLINE_KEYS_MAX + 1])
        if len(keys) > self.INLINE_KEYS_MAX:
            keys = locked
        # username_key is annotated by UserAdmin.get_queryset (_with_lockout_state).
        is_locked = Q(username_key__in=keys)
        return queryset.filter(is_locked if self.value() == "yes" else ~is_locked)


class LockoutAdminMixin(admin.ModelAdmin):
    """Mixed into the user admin before ``accounts.users.admin.UserAdmin``."""

    lockout_columns = ("locked_now", "recent_failed_logins")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return _with_lockout_state(super().get_queryset(request))

    def get_list_display(self, request: HttpRequest) -> Any:
        columns = list(super().get_list_display(request))
        at = columns.index("is_active") + 1 if "is_active" in columns else len(columns)
        return (*columns[:at], *self.lockout_columns, *columns[at:])

    def get_list_filter(self, request: HttpRequest) -> Any:
        return (LockedFilter, *super().get_list_filter(request))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (*super().get_readonly_fields(request, obj), "recent_login_attempts")

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets  # the add form
        attempts = ("Login attempts", {"fields": ("recent_login_attempts",)})
        return (*fieldsets[:2], attempts, *fieldsets[2:])

    @admin.display(boolean=True, description="Locked now", ordering="is_locked")
    def locked_now(self, user: Any) -> bool:
        return bool(user.is_locked)

    @admin.display(description="Failed logins (current window)", ordering="failed_logins")
    def recent_failed_logins(self, user: Any) -> int:
        return int(user.failed_logins)

    @admin.display(description="Recent login attempts")
    def recent_login_attempts(self, user: User) -> str:
        """The latest attempts: failures (refused or not) from axes, successes from the audit."""
        key = user_lockout_key(user)
        # The account's own count and its trusted devices' (accounts.login.devices).
        failures = AccessFailureLog.objects.filter(
            Q(username=key) | Q(username__startswith=device_lockout_key(key, ""))
        )
        successes = AuditLog.objects.filter(user=user, action=AuditAction.LOGIN_SUCCEEDED)
        rows = sorted(
            chain(
                (
                    (row.attempt_time, _failure_outcome(row), row.ip_address, row.user_agent)
                    for row in failures[:RECENT_ATTEMPTS_SHOWN]
                ),
                (
                    (row.created_at, "succeeded", row.ip_address, row.user_agent)
                    for row in successes.order_by("-created_at")[:RECENT_ATTEMPTS_SHOWN]
                ),
            ),
            key=lambda row: row[0],
            reverse=True,
        )
        if not rows:
            return "No login attempts recorded."
        return format_html_join(
            "\n",
            "<div>{} — {} — {} — {}</div>",
            (
                (at.isoformat(timespec="seconds"), outcome, ip or "-", agent)
                for at, outcome, ip, agent in rows[:RECENT_ATTEMPTS_SHOWN]
            ),
        )

    @admin.action(description="Unlock selected users", permissions=["change"])
    def unlock_selected(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        by = f"admin:{request.user.pk}"
        unlocked = [user for user in queryset if user_unlock(user=user, by=by, request=request)]
        self.message_user(
            request,
            f"Unlocked {len(unlocked)} locked user(s); cleared {queryset.count()} failure counts.",
            messages.SUCCESS,
        )


def _failure_outcome(row: AccessFailureLog) -> str:
    return "failed, account locked" if row.locked_out else "failed"
