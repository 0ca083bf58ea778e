from django.apps import AppConfig


class AuthsvcConfig(AppConfig):
    name = "authsvc"
    verbose_name = "authsvc core"
