from django.urls import path

from accounts import token_views, views

urlpatterns = [
    path("register", views.RegisterView.as_view(), name="auth-register"),
    path("login", views.LoginView.as_view(), name="auth-login"),
    path("me", views.MeView.as_view(), name="auth-me"),
    # token lifecycle (issue 5)
    path("token/refresh", token_views.TokenRefreshView.as_view(), name="auth-token-refresh"),
    path("logout", token_views.LogoutView.as_view(), name="auth-logout"),
    path("logout-all", token_views.LogoutAllView.as_view(), name="auth-logout-all"),
    path("sessions", token_views.LoginSessionListView.as_view(), name="auth-sessions"),
    path(
        "sessions/<uuid:session_id>",
        token_views.LoginSessionDetailView.as_view(),
        name="auth-session-detail",
    ),
    path("password/change", token_views.PasswordChangeView.as_view(), name="auth-password-change"),
]
