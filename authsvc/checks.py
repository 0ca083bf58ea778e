"""System checks for the admin's middleware, which lives in ADMIN_MIDDLEWARE.

Django's admin (admin.E408-E410), its CSRF deploy check (security.W003) and axes (axes.W002)
look for their middleware in MIDDLEWARE; settings silence those and this check asks the
same of ADMIN_MIDDLEWARE, and that the admin's pages are under ADMIN_PATH_PREFIXES.
"""

from collections.abc import Sequence
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, register
from django.urls import NoReverseMatch, reverse

ADMIN_ONLY_MIDDLEWARE = "authsvc.middleware.AdminOnlyMiddleware"
REQUIRED = {
    "django.contrib.admin": [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    ],
    "axes": ["axes.middleware.AxesMiddleware"],
}


@register(Tags.security, Tags.urls)
def admin_middleware_check(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Error]:
    admin_middleware = getattr(settings, "ADMIN_MIDDLEWARE", [])
    errors = []
    if admin_middleware and ADMIN_ONLY_MIDDLEWARE not in settings.MIDDLEWARE:
        errors.append(
            Error(
                f"ADMIN_MIDDLEWARE is set but {ADMIN_ONLY_MIDDLEWARE} is not in MIDDLEWARE.",
                hint="Without it the admin runs with no session, CSRF or user middleware.",
                id="authsvc.E001",
            )
        )
    for app, required in REQUIRED.items():
        if not apps.is_installed(app):
            continue
        for dotted_path in required:
            if dotted_path not in admin_middleware:
                errors.append(
                    Error(
                        f"'{dotted_path}' must be in ADMIN_MIDDLEWARE: {app} needs it.",
                        id="authsvc.E002",
                    )
                )
    if apps.is_installed("django.contrib.admin"):
        try:
            admin_path = reverse("admin:index")
        except NoReverseMatch:
            admin_path = None
        if admin_path and not admin_path.startswith(tuple(settings.ADMIN_PATH_PREFIXES)):
            errors.append(
                Error(
                    f"The admin is at {admin_path}, outside ADMIN_PATH_PREFIXES "
                    f"{settings.ADMIN_PATH_PREFIXES}: its pages would run without sessions.",
                    id="authsvc.E003",
                )
            )
    return errors
