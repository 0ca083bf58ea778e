from django.urls import path

from accounts.recovery import views

urlpatterns = [
    path("password/reset", views.PasswordResetView.as_view(), name="auth-password-reset"),
    path(
        "password/reset/confirm",
        views.PasswordResetConfirmView.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("email/change", views.EmailChangeView.as_view(), name="auth-email-change"),
    path(
        "email/change/confirm",
        views.EmailChangeConfirmView.as_view(),
        name="auth-email-change-confirm",
    ),
    path("email/verify", views.EmailVerifyView.as_view(), name="auth-email-verify"),
    path(
        "email/verify/resend",
        views.EmailVerifyResendView.as_view(),
        name="auth-email-verify-resend",
    ),
]
