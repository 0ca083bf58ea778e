from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    """One app, one sub-package per capability (docs/architecture.md has the map)."""

    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.login.notifications import lockout_notice_on_account_locked
        from accounts.login.signals import account_locked
        from accounts.mfa import checks  # noqa: F401  (registers the encryption key check)
        from accounts.tokens import schema  # noqa: F401  (registers the OpenAPI auth extension)
        from accounts.tokens.services import (
            sessions_end_on_deactivation,
            sessions_end_on_password_set,
        )
        from accounts.users.signals import password_set, user_deactivated

        # The owner of a locked account is mailed once per lockout (docs/abuse.md).
        account_locked.connect(lockout_notice_on_account_locked, dispatch_uid="lockout-notice")
        # Every password change and every deactivation ends sessions, whichever path made it.
        password_set.connect(sessions_end_on_password_set, dispatch_uid="sessions-end-password")
        user_deactivated.connect(sessions_end_on_deactivation, dispatch_uid="sessions-end-inactive")


class AdminSiteConfig(admin_apps.AdminConfig):
    """django.contrib.admin with our site as ``admin.site``: staff prove a second factor
    (accounts.mfa.admin.MfaAdminSite). Django's documented way to replace the default
    site, so every app's ``admin.register`` lands on it; the class is named by path,
    imported once the models are ready."""

    default = False  # named in INSTALLED_APPS; "accounts" itself stays AccountsConfig
    default_site = "accounts.mfa.admin.MfaAdminSite"
