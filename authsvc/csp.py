"""Content-Security-Policy on every response (Django 5.2 has no built-in CSP).

The policy is settings.CONTENT_SECURITY_POLICY (directive -> sources). A view that
needs more (ReDoc's runtime-generated styles, its blob: web worker) says so with
``csp_extend``, so the relaxation sits next to the one page that needs it and the
rest of the service keeps the tight policy. Reference: W3C CSP Level 3,
OWASP Content Security Policy Cheat Sheet.
"""

from collections.abc import Callable, Mapping, Sequence
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

CSP_HEADER = "Content-Security-Policy"
_EXTRA_ATTRIBUTE = "_csp_extend"

Directives = Mapping[str, Sequence[str]]


def policy_header_value(policy: Directives, extra: Directives | None = None) -> str:
    """Serialise directives in a stable order; ``extra`` sources are added to the base ones."""
    merged = {name: list(sources) for name, sources in policy.items()}
    for name, sources in (extra or {}).items():
        merged.setdefault(name, [])
        merged[name] += [source for source in sources if source not in merged[name]]
    return "; ".join(" ".join([name, *sources]).strip() for name, sources in merged.items())


def csp_extend(**directives: Sequence[str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a view function: its responses get these sources on top of the base policy.

    Keyword names use underscores for dashes: ``csp_extend(style_src=["'unsafe-inline'"])``.
    """
    extra = {name.replace("_", "-"): list(sources) for name, sources in directives.items()}

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            response = view(*args, **kwargs)
            setattr(response, _EXTRA_ATTRIBUTE, extra)
            return response

        return wrapped

    return decorator


class ContentSecurityPolicyMiddleware:
    """Adds the policy unless the response already carries one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self._policy: Directives | None = None
        self._header = ""

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if CSP_HEADER not in response:
            extra = getattr(response, _EXTRA_ATTRIBUTE, None)
            response[CSP_HEADER] = self._header_value(extra)
        return response

    def _header_value(self, extra: Directives | None) -> str:
        policy = settings.CONTENT_SECURITY_POLICY
        if extra is not None:
            return policy_header_value(policy, extra)
        # The base policy's header is built once: every response but ReDoc's carries it.
        # Keyed on the setting's identity, so a changed setting (tests) is seen at once.
        if policy is not self._policy:
            self._policy, self._header = policy, policy_header_value(policy)
        return self._header
