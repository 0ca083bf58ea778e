from django.urls import path

from accounts.mfa.views import LoginMfaPasskeyOptionsView
from accounts.passkeys import views

urlpatterns = [
    path("passkeys", views.PasskeyListView.as_view(), name="auth-passkeys"),
    path("passkeys/<int:passkey_id>", views.PasskeyDetailView.as_view(), name="auth-passkey"),
    path(
        "passkeys/register/options",
        views.PasskeyRegisterOptionsView.as_view(),
        name="auth-passkeys-register-options",
    ),
    path(
        "passkeys/register/verify",
        views.PasskeyRegisterVerifyView.as_view(),
        name="auth-passkeys-register-verify",
    ),
    path(
        "passkeys/login/options",
        views.PasskeyLoginOptionsView.as_view(),
        name="auth-passkeys-login-options",
    ),
    path(
        "passkeys/login/verify",
        views.PasskeyLoginVerifyView.as_view(),
        name="auth-passkeys-login-verify",
    ),
    # The second factor's options: the view sits with the login's second stage (mfa).
    path(
        "login/mfa/passkey/options",
        LoginMfaPasskeyOptionsView.as_view(),
        name="auth-login-mfa-passkey-options",
    ),
]
