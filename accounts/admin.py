from itertools import chain
from typing import Any

from axes.models import AccessFailureLog
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Lower
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html_join

from accounts.audit import AuditAction
from accounts.lockout import lockout_cooloff, lockout_threshold, user_lockout_key, user_unlock
from accounts.models import AuditLog, LoginLockout, User

RECENT_ATTEMPTS_SHOWN = 20


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("username", "email")


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


def _with_lockout_state(queryset: QuerySet[User]) -> QuerySet[User]:
    """Annotate ``failed_logins`` (current window) and ``is_locked`` from LoginLockout."""
    since = timezone.now() - lockout_cooloff()
    counter = LoginLockout.objects.filter(key=OuterRef("username_key"), last_attempt_at__gt=since)
    return queryset.annotate(username_key=Lower("username")).annotate(
        failed_logins=Coalesce(Subquery(counter.values("attempts")[:1]), Value(0)),
        is_locked=Case(
            When(failed_logins__gte=lockout_threshold(), then=Value(1)),
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
        locked = LoginLockout.objects.filter(
            attempts__gte=lockout_threshold(),
            last_attempt_at__gt=timezone.now() - lockout_cooloff(),
        ).values_list("key", flat=True)
        # Locked accounts are few: fetched first, they become index probes on lower(username)
        # instead of a membership test on every user row (flat as the users table grows).
        # During a mass lockout the list would be long: then a subquery does the same job.
        keys: Any = list(locked[: self.INLINE_KEYS_MAX + 1])
        if len(keys) > self.INLINE_KEYS_MAX:
            keys = locked
        # username_key is annotated by UserAdmin.get_queryset (_with_lockout_state).
        is_locked = Q(username_key__in=keys)
        return queryset.filter(is_locked if self.value() == "yes" else ~is_locked)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    list_display = (
        "username",
        "email",
        "is_active",
        "locked_now",
        "recent_failed_logins",
        "last_login",
        "date_joined",
    )
    list_filter = (LockedFilter, "is_active", "is_staff", "is_superuser")
    # Exact, case-insensitive search on username or email through their unique indexes
    # (get_search_results): a substring search would scan every user.
    search_fields = ("username", "email")
    search_help_text = "An exact username or email address, in any letter case."
    # lower(username) is indexed (the unique constraint); plain username is not.
    ordering = (Lower("username"),)
    # The paginator already counts the filtered rows; a second count of all users is waste.
    show_full_result_count = False
    actions = ("unlock_selected",)
    readonly_fields = ("id", "date_joined", "last_login", "recent_login_attempts")
    fieldsets = (
        (None, {"fields": ("id", "username", "email", "password")}),
        ("Status", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Login attempts", {"fields": ("recent_login_attempts",)}),
        ("Permissions", {"fields": ("groups", "user_permissions")}),
        ("Dates", {"fields": ("date_joined", "last_login")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "email", "password1", "password2")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return _with_lockout_state(super().get_queryset(request))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[User], search_term: str
    ) -> tuple[QuerySet[User], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset & User.objects.by_login(term), False

    @admin.display(boolean=True, description="Locked now", ordering="is_locked")
    def locked_now(self, user: Any) -> bool:
        return bool(user.is_locked)

    @admin.display(description="Failed logins (current window)", ordering="failed_logins")
    def recent_failed_logins(self, user: Any) -> int:
        return int(user.failed_logins)

    @admin.display(description="Recent login attempts")
    def recent_login_attempts(self, user: User) -> str:
        """The latest attempts: failures (refused or not) from axes, successes from the audit."""
        failures = AccessFailureLog.objects.filter(username=user_lockout_key(user))
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


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: the trail is evidence; nobody adds, edits or deletes it from the admin."""

    list_display = ("created_at", "action", "status", "user", "ip_address", "request_id")
    list_filter = ("action", "status", "created_at")
    search_fields = ("user__username", "=request_id")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    readonly_fields = (
        "created_at", "action", "status", "user", "request_id", "ip_address", "user_agent",
        "details",
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False
