from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from accounts.login.views import admin_login
from accounts.tokens.views import JwksView
from authsvc.csp import csp_extend
from authsvc.health import HealthView, MetricsView, ReadyView
from authsvc.playground import playground_page

# ReDoc's styled-components inject <style> elements at run time and its search runs in a
# blob: worker; this one page gets both (scripts stay 'self'). Swagger UI and the admin
# run under the base policy.
redoc_view = csp_extend(style_src=["'unsafe-inline'"], worker_src=["'self'", "blob:"])(
    SpectacularRedocView.as_view(url_name="schema", template_name="authsvc/redoc.html")
)

urlpatterns = [
    path("api/v1/auth/", include("accounts.urls")),
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs",
        SpectacularSwaggerSplitView.as_view(
            url_name="schema", template_name="authsvc/swagger_ui.html"
        ),
        name="swagger-ui",
    ),
    path("redoc", redoc_view, name="redoc"),
    path("healthz", HealthView.as_view(), name="healthz"),
    path("readyz", ReadyView.as_view(), name="readyz"),
    path("metrics", MetricsView.as_view(), name="metrics"),
    path(".well-known/jwks.json", JwksView.as_view(), name="jwks"),
    # Before the admin's own URLs, so its login page gets the rate limit and the audit.
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    *([path("playground", playground_page, name="playground")] if settings.AUTH_PLAYGROUND else []),
]

handler400 = "authsvc.views.bad_request"
handler403 = "authsvc.views.permission_denied"
handler404 = "authsvc.views.page_not_found"
handler500 = "authsvc.views.server_error"
