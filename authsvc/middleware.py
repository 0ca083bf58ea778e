"""Request correlation (an id per request, echoed in X-Request-ID), the access log, and the
admin-only middleware scope."""

import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponseBase
from django.utils.module_loading import import_string

from authsvc.clientip import client_ip
from authsvc.context import REQUEST_ID_HEADER, request_id_var, request_user_id

# A caller's id is kept only if it is safe to put in logs and headers as-is.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
USER_AGENT_MAX_LENGTH = 256
UNMATCHED_ROUTE = "<unmatched>"
REQUEST_ID_META_KEY = "HTTP_" + REQUEST_ID_HEADER.upper().replace("-", "_")

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
        # META, not request.headers: that builds a dict of every header, per request.
        request_id = request_id_from(request.META.get(REQUEST_ID_META_KEY))
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
                "user_agent": request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH],
                "pid": os.getpid(),  # the worker that served it
            },
        )
        return response


def route_of(request: HttpRequest) -> str:
    """The matched URL pattern (``api/v1/auth/login``), never the raw path: bounded cardinality."""
    match = getattr(request, "resolver_match", None)
    return match.route if match is not None else UNMATCHED_ROUTE


class AdminOnlyMiddleware:
    """Runs ``settings.ADMIN_MIDDLEWARE`` for paths under ``ADMIN_PATH_PREFIXES`` only.

    Cookie sessions, CSRF, the logged-in user, its OTP state, messages and axes' lockout
    page serve the admin's pages; the API authenticates every request with a bearer token
    and the probes with nothing, so elsewhere these layers only cost time (a session
    cookie parsed, a messages storage built, a signer made per request). The chain is
    built here as Django builds MIDDLEWARE, in the same order, with the same exception
    conversion; their ``process_view`` hooks (CSRF's check) run from this class's own.
    Django's system checks that look for them in MIDDLEWARE are replaced by
    ``authsvc.checks.admin_middleware_check``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.prefixes = tuple(settings.ADMIN_PATH_PREFIXES)
        self.view_hooks: list[Callable[..., HttpResponseBase | None]] = []
        handler: Callable[[HttpRequest], Any] = get_response
        for dotted_path in reversed(settings.ADMIN_MIDDLEWARE):
            try:
                instance = import_string(dotted_path)(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(instance, "process_view"):
                self.view_hooks.insert(0, instance.process_view)
            handler = convert_exception_to_response(instance)
        self.admin_chain = handler

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path_info.startswith(self.prefixes):
            return self.admin_chain(request)
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponseBase | None:
        if request.path_info.startswith(self.prefixes):
            for hook in self.view_hooks:
                response = hook(request, view, args, kwargs)
                if response is not None:
                    return response
        return None
