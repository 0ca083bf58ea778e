from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """One app, one sub-package per capability (docs/architecture.md has the map)."""

    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.login.notifications import lockout_notice_on_account_locked
        from accounts.login.signals import account_locked
        from accounts.tokens import schema  # noqa: F401  (registers the OpenAPI auth extension)

        # The owner of a locked account is mailed once per lockout (docs/abuse.md).
        account_locked.connect(lockout_notice_on_account_locked, dispatch_uid="lockout-notice")
