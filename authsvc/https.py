"""API paths refuse plain HTTP instead of redirecting it (OWASP ASVS 5.0 V4.1.2).

A redirect suits a browser, which follows it before sending anything secret. An API client
has already sent its password or token in the clear by the time it sees a 301, and most
clients follow the redirect silently, so the mistake would never surface. A 403 problem
document makes the misconfigured client fail loudly, at its first request.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from authsvc.exceptions import HttpsRequired
from authsvc.problems import problem_response

API_PREFIXES = ("/api/", "/.well-known/")


class ApiHttpsOnlyMiddleware:
    """Sits before SecurityMiddleware, whose SECURE_SSL_REDIRECT still serves every other
    path (the admin, the docs pages); probes are not under these prefixes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if (
            settings.SECURE_SSL_REDIRECT
            and request.path.startswith(API_PREFIXES)
            and not request.is_secure()
        ):
            return problem_response(HttpsRequired())
        return self.get_response(request)
