"""What the tokens capability adds to the user admin: ending an account's sessions."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.tokens.services import user_sessions_end
from accounts.users.models import User


class SessionsAdminMixin(admin.ModelAdmin):
    """Mixed into the user admin before ``accounts.users.admin.UserAdmin``."""

    @admin.action(description="End all sessions of selected users", permissions=["change"])
    def end_all_sessions(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        ended = sum(
            user_sessions_end(user=user, by=f"admin:{request.user.pk}", request=request)
            for user in queryset
        )
        self.message_user(
            request,
            f"Ended {ended} session(s) of {queryset.count()} user(s); "
            "their access tokens stop working at once.",
            messages.SUCCESS,
        )
