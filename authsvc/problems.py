"""The one place where exceptions become RFC 9457 problem documents.

DRF views reach this through ``exception_handler``; Django's own error paths
(unknown URLs, uncaught exceptions, bad hosts) through ``authsvc.views``. Both
call ``problem_response`` so the wire format cannot drift between them.
"""

import json
import logging
from collections.abc import Mapping
from typing import Any

from django.core import exceptions as django_exceptions
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from django_ratelimit.exceptions import Ratelimited
from rest_framework import exceptions as drf

from authsvc import exceptions as errors
from authsvc.context import current_request_id

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:authsvc:problem:"
DATABASE_RETRY_AFTER_SECONDS = 5

logger = logging.getLogger("authsvc.problems")

# DRF's own exceptions, by class, for those that map one to one.
_DRF_EQUIVALENTS: dict[type[Exception], type[errors.ServiceError]] = {
    drf.ParseError: errors.ParseError,
    drf.NotAuthenticated: errors.NotAuthenticated,
    drf.AuthenticationFailed: errors.TokenInvalid,
    drf.PermissionDenied: errors.PermissionDenied,
    drf.NotFound: errors.NotFound,
    drf.MethodNotAllowed: errors.MethodNotAllowed,
    drf.NotAcceptable: errors.NotAcceptable,
    drf.UnsupportedMediaType: errors.UnsupportedMediaType,
}


def _flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested ``ValidationError.detail`` as ``{"field": [message, ...]}``."""
    if isinstance(detail, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(_flatten_errors(value, name))
        return flat
    if isinstance(detail, list) and any(isinstance(item, (Mapping, list)) for item in detail):
        flat = {}
        for index, item in enumerate(detail):
            flat.update(_flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(message) for message in messages]}


def to_service_error(exc: BaseException) -> errors.ServiceError | None:
    """Translate a library exception into ours, or None when it is a bug (a 500)."""
    if isinstance(exc, errors.ServiceError):
        return exc
    if isinstance(exc, drf.ValidationError):
        return errors.ValidationFailed(errors=_flatten_errors(exc.detail))
    for library_class, ours in _DRF_EQUIVALENTS.items():
        if isinstance(exc, library_class):
            return ours()
    if isinstance(exc, Ratelimited):
        # A PermissionDenied subclass (its decorator raises it): 429, never a 403.
        return errors.RateLimited()
    if isinstance(exc, django_exceptions.RequestDataTooBig):
        return errors.PayloadTooLarge()
    if isinstance(exc, Http404 | django_exceptions.ObjectDoesNotExist):
        return errors.NotFound()
    if isinstance(exc, django_exceptions.PermissionDenied):
        return errors.PermissionDenied()
    if isinstance(exc, django_exceptions.SuspiciousOperation):
        return errors.ValidationFailed("The request was malformed.")
    if isinstance(exc, OperationalError | InterfaceError):
        # The database is unreachable or timing out: the client should retry, not report a bug.
        return errors.ServiceUnavailable(retry_after_seconds=DATABASE_RETRY_AFTER_SECONDS)
    return None


def problem_body(error: errors.ServiceError) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + error.code,
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        "code": error.code,
        "request_id": current_request_id(),
    }
    if error.errors:
        body["errors"] = error.errors
    for key, value in error.extensions.items():
        body.setdefault(key, value)  # extensions never override the standard members
    return body


def problem_response(error: errors.ServiceError) -> HttpResponse:
    response = HttpResponse(
        json.dumps(problem_body(error)),
        status=error.status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    for name, value in error.headers.items():
        response[name] = value
    if error.status == 401 and "WWW-Authenticate" not in response:
        # RFC 9110 §15.5.2 requires the challenge on every 401; RFC 6750 §3 gives its form.
        challenge = 'Bearer realm="authsvc"'
        if error.code == errors.TokenInvalid.code:
            challenge += ', error="invalid_token"'
        response["WWW-Authenticate"] = challenge
    return response


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> HttpResponse | None:
    """DRF's EXCEPTION_HANDLER: known errors become problems; bugs propagate to handler500."""
    error = to_service_error(exc)
    if error is None:
        return None
    # Imported here: rest_framework.views loads the DRF settings, hence our authentication
    # class, and this module must stay importable from below it (the lockout's axes glue).
    from rest_framework.views import set_rollback

    set_rollback()
    if isinstance(error, errors.ServiceUnavailable) and isinstance(exc, DatabaseError):
        logger.error("database unavailable: %s", exc.__class__.__name__, exc_info=exc)
    return problem_response(error)
