"""Browser-facing security headers on real responses: CSP, nosniff, referrer, framing, HSTS."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from authsvc.csp import CSP_HEADER, ContentSecurityPolicyMiddleware, policy_header_value

pytestmark = pytest.mark.django_db

BASE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


@pytest.mark.parametrize("path", ["/api/v1/auth/me", "/healthz", "/docs", "/admin/login/", "/nope"])
def test_every_response_carries_the_tight_policy_and_browser_headers(api, path):
    response = api.get(path)

    assert response[CSP_HEADER] == BASE_POLICY
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_redoc_alone_gets_inline_styles_and_a_blob_worker(api):
    response = api.get("/redoc")

    assert response.status_code == 200
    policy = dict(directive.split(" ", 1) for directive in response[CSP_HEADER].split("; "))
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    assert policy["worker-src"] == "'self' blob:"
    assert policy["script-src"] == "'self'"  # never inline scripts


def test_docs_pages_have_no_inline_style_or_script(api):
    # Swagger UI's init script comes from ?script=, its page styles from a static file.
    for path in ("/docs", "/redoc"):
        html = api.get(path).content.decode()

        assert "<style" not in html
        assert "<script>" not in html


def test_swagger_init_script_is_served_as_javascript(api):
    response = api.get("/docs?script=")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")


def test_csp_middleware_keeps_a_policy_a_view_set_itself(settings):
    # Given a view that sets its own header (e.g. a future report-only page).
    own = HttpResponse()
    own[CSP_HEADER] = "default-src 'none'"
    middleware = ContentSecurityPolicyMiddleware(lambda request: own)

    response = middleware(RequestFactory().get("/"))

    assert response[CSP_HEADER] == "default-src 'none'"


def test_policy_extension_adds_sources_once_and_new_directives_at_the_end():
    value = policy_header_value(
        {"default-src": ["'self'"], "img-src": ["'self'"]},
        {"img-src": ["'self'", "data:"], "worker-src": ["blob:"]},
    )

    assert value == "default-src 'self'; img-src 'self' data:; worker-src blob:"


def test_hsts_is_sent_on_https_requests(api):
    response = api.get("/healthz", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_proxy_ssl_header_makes_forwarded_https_count_as_secure(api, settings):
    # Given the DJANGO_SECURE_PROXY_SSL_HEADER switch on, behind a TLS-terminating proxy.
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True

    forwarded = api.get("/api/v1/auth/me", HTTP_X_FORWARDED_PROTO="https")
    plain = api.get("/api/v1/auth/me")

    assert forwarded.status_code == 401  # reached the view: neither refused nor redirected
    assert "Strict-Transport-Security" in forwarded
    assert plain.status_code == 403
    assert plain.json()["code"] == "https_required"


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_are_exempt_from_the_https_redirect(api, settings, path):
    settings.SECURE_SSL_REDIRECT = True

    response = api.get(path)

    # Answered over plain HTTP (a load balancer probes the pod directly), not redirected.
    assert response.status_code == 200, response.content
