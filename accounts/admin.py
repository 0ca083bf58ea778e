"""The admin site's models, each admin put together from the capabilities that own its parts."""

from django.contrib import admin

from accounts.audit.admin import AuditLogAdmin
from accounts.audit.models import AuditLog
from accounts.login.admin import LockoutAdminMixin
from accounts.mfa.admin import MfaAdminMixin
from accounts.passkeys.admin import PasskeysAdminMixin
from accounts.tokens.admin import SessionsAdminMixin
from accounts.users import admin as users_admin
from accounts.users.models import User


@admin.register(User)
class UserAdmin(
    LockoutAdminMixin,
    SessionsAdminMixin,
    MfaAdminMixin,
    PasskeysAdminMixin,
    users_admin.UserAdmin,
):
    actions = ("unlock_selected", "end_all_sessions", "reset_mfa")


admin.site.register(AuditLog, AuditLogAdmin)
