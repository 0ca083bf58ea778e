from django.contrib import admin
from django.http import HttpRequest

from accounts.audit.models import AuditLog


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
