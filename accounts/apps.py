from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import schema  # noqa: F401  (registers the OpenAPI auth extension)
        from accounts.notifications import lockout_notice_on_account_locked
        from accounts.signals import account_locked

        # The owner of a locked account is mailed once per lockout (docs/abuse.md).
        account_locked.connect(lockout_notice_on_account_locked, dispatch_uid="lockout-notice")
