from django.urls import path

from accounts.mfa import views

urlpatterns = [
    path("mfa", views.MfaStatusView.as_view(), name="auth-mfa"),
    path("mfa/totp", views.TotpView.as_view(), name="auth-mfa-totp"),
    path("mfa/totp/confirm", views.TotpConfirmView.as_view(), name="auth-mfa-totp-confirm"),
    path("mfa/recovery-codes", views.RecoveryCodesView.as_view(), name="auth-mfa-recovery-codes"),
    path("login/mfa", views.LoginMfaView.as_view(), name="auth-login-mfa"),
]
