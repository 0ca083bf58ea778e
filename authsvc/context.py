"""Per-request context carried in contextvars, so any code (logging included) can read it."""

from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # settings import this module (via authsvc.logging) before Django is set up
    from django.http import HttpRequest

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

REQUEST_ID_HEADER = "X-Request-ID"
# Set on the Django request once the caller's identity is known (token authentication,
# a successful login or registration); read by the access log.
_USER_ID_ATTRIBUTE = "authsvc_user_id"


def current_request_id() -> str | None:
    return request_id_var.get()


def outbound_headers() -> dict[str, str]:
    """Headers every outbound call made while handling a request sends, for correlation."""
    request_id = request_id_var.get()
    return {REQUEST_ID_HEADER: request_id} if request_id else {}


def request_user_id_set(request: "HttpRequest", user_id: object) -> None:
    """Remember who the request acts for (an id, never a name or email)."""
    setattr(request, _USER_ID_ATTRIBUTE, str(user_id))


def request_user_id(request: "HttpRequest") -> str | None:
    return getattr(request, _USER_ID_ATTRIBUTE, None)
