"""Request correlation: every request gets an id, echoed in X-Request-ID."""

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from authsvc.context import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept only if it is safe to put in logs and headers as-is.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def request_id_from(value: str | None) -> str:
    """The caller's id when it has a sane shape, else a fresh UUID."""
    if value and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return str(uuid.uuid4())


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response
