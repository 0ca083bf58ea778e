from django.apps import AppConfig


class AuthsvcConfig(AppConfig):
    name = "authsvc"
    verbose_name = "authsvc core"

    def ready(self) -> None:
        from authsvc.breakers import readiness_checks_register

        readiness_checks_register()
