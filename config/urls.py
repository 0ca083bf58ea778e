from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from accounts.token_views import JwksView
from authsvc.health import HealthView, MetricsView, ReadyView

urlpatterns = [
    path("api/v1/auth/", include("accounts.urls")),
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path(
        "redoc",
        SpectacularRedocView.as_view(url_name="schema", template_name="authsvc/redoc.html"),
        name="redoc",
    ),
    path("healthz", HealthView.as_view(), name="healthz"),
    path("readyz", ReadyView.as_view(), name="readyz"),
    path("metrics", MetricsView.as_view(), name="metrics"),
    path(".well-known/jwks.json", JwksView.as_view(), name="jwks"),
    path("admin/", admin.site.urls),
]

handler400 = "authsvc.views.bad_request"
handler403 = "authsvc.views.permission_denied"
handler404 = "authsvc.views.page_not_found"
handler500 = "authsvc.views.server_error"
