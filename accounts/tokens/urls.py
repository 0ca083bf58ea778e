from django.urls import path

from accounts.tokens import views

urlpatterns = [
    path("token/refresh", views.TokenRefreshView.as_view(), name="auth-token-refresh"),
    path("logout", views.LogoutView.as_view(), name="auth-logout"),
    path("logout-all", views.LogoutAllView.as_view(), name="auth-logout-all"),
    path("sessions", views.LoginSessionListView.as_view(), name="auth-sessions"),
    path(
        "sessions/<uuid:session_id>",
        views.LoginSessionDetailView.as_view(),
        name="auth-session-detail",
    ),
]
