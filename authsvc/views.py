"""Django's error handlers (handler400/403/404/500), answering in problem+json.

These cover what never reaches a DRF view: unknown URLs, disallowed hosts, CSRF
failures and exceptions raised outside DRF's exception handling.
"""

import sys

from django.http import HttpRequest, HttpResponse

from authsvc import exceptions as errors
from authsvc.problems import problem_response, to_service_error


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return problem_response(to_service_error(exception) or errors.ValidationFailed())


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return problem_response(errors.PermissionDenied())


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return problem_response(errors.NotFound())


def server_error(request: HttpRequest) -> HttpResponse:
    # Django has already logged the exception (logger django.request) with its trace.
    exc = sys.exc_info()[1]
    error = to_service_error(exc) if exc is not None else None
    if error is None or error.status < 500:
        error = errors.ServiceError()
    return problem_response(error)
