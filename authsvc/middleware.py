"""Request correlation (an id per request, echoed in X-Request-ID) and the access log."""

import logging
import os
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from authsvc.clientip import client_ip
from authsvc.context import REQUEST_ID_HEADER, request_id_var, request_user_id

# A caller's id is kept only if it is safe to put in logs and headers as-is.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
USER_AGENT_MAX_LENGTH = 256
UNMATCHED_ROUTE = "<unmatched>"

access_logger = logging.getLogger("authsvc.access")


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


class AccessLogMiddleware:
    """One ``authsvc.access`` record per request; sits right inside RequestIdMiddleware.

    The record carries no traceback: an unhandled exception is logged once, by Django's
    ``django.request`` logger, and this record only reports the resulting 500.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 3)
        access_logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "route": route_of(request),
                "status": response.status_code,
                "duration_ms": duration_ms,
                "client_ip": client_ip(request),
                "user_id": request_user_id(request),
                "user_agent": request.headers.get("User-Agent", "")[:USER_AGENT_MAX_LENGTH],
                "pid": os.getpid(),  # the worker that served it
            },
        )
        return response


def route_of(request: HttpRequest) -> str:
    """The matched URL pattern (``api/v1/auth/login``), never the raw path: bounded cardinality."""
    match = getattr(request, "resolver_match", None)
    return match.route if match is not None else UNMATCHED_ROUTE
