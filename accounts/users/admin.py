"""The user admin's core: forms, the list, exact search through the lower-case indexes.

Other capabilities add their columns, filters, fields and actions with a mixin of their own
(``accounts.login.admin.LockoutAdminMixin``); ``accounts/admin.py`` puts them together.
The ``get_*`` hooks below are where they plug in.
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest

from accounts.users.models import User


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("username", "email")


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    list_display = (
        "username", "email", "email_verified_at", "is_active", "last_login", "date_joined",
    )  # fmt: skip
    list_filter = (
        "is_active", "is_staff", "is_superuser",
        ("email_verified_at", admin.EmptyFieldListFilter),
    )  # fmt: skip
    # Exact, case-insensitive search on username or email through their unique indexes
    # (get_search_results): a substring search would scan every user.
    search_fields = ("username", "email")
    search_help_text = "An exact username or email address, in any letter case."
    # lower(username) is indexed (the unique constraint); plain username is not.
    ordering = (Lower("username"),)
    # The paginator already counts the filtered rows; a second count of all users is waste.
    show_full_result_count = False
    # Proven only by the owner's mailed token, never set by hand.
    readonly_fields = ("id", "date_joined", "last_login", "email_verified_at")
    fieldsets = (
        (None, {"fields": ("id", "username", "email", "email_verified_at", "password")}),
        ("Status", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Permissions", {"fields": ("groups", "user_permissions")}),
        ("Dates", {"fields": ("date_joined", "last_login")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "email", "password1", "password2")}),
    )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[User], search_term: str
    ) -> tuple[QuerySet[User], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset & User.objects.by_login(term), False

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return super().get_fieldsets(request, obj)  # the add form
        return self.fieldsets
