from django.apps import AppConfig


class AuthsvcConfig(AppConfig):
    name = "authsvc"
    verbose_name = "authsvc core"

    def ready(self) -> None:
        from authsvc import breakers, checks, taskqueue  # noqa: F401  (checks registers)

        breakers.readiness_checks_register()
        taskqueue.readiness_checks_register()
