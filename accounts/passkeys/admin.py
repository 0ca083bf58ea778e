"""What the passkeys capability adds to the user admin: an account's passkeys, read-only,
each removable (audited, like a removal by the owner)."""

from typing import Any

from django.contrib import admin
from django.forms import BaseModelFormSet
from django.http import HttpRequest

from accounts.passkeys.models import Passkey
from accounts.passkeys.services import passkey_remove


class PasskeyInline(admin.TabularInline):
    model = Passkey
    extra = 0
    can_delete = True
    fields = ("name", "created_at", "last_used_at", "sign_count", "backed_up", "aaguid")
    readonly_fields = fields
    verbose_name_plural = "Passkeys"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a passkey is made by its authenticator, never typed in

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PasskeysAdminMixin(admin.ModelAdmin):
    """Mixed into the user admin before ``accounts.users.admin.UserAdmin``."""

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        return [*super().get_inlines(request, obj), PasskeyInline]

    def save_formset(
        self, request: HttpRequest, form: Any, formset: BaseModelFormSet, change: bool
    ) -> None:
        if formset.model is not Passkey:
            super().save_formset(request, form, formset, change)
            return
        formset.save(commit=False)  # collects deleted_objects without deleting them
        for passkey in formset.deleted_objects:
            passkey_remove(passkey=passkey, by=f"admin:{request.user.pk}", request=request)
