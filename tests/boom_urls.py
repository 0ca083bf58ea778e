"""The project's URLs plus one view that fails, for the unhandled-exception tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401

BOOM_MESSAGE = "kaboom in the boom view"


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(BOOM_MESSAGE)


urlpatterns = [*urlpatterns, path("boom", boom, name="boom")]
