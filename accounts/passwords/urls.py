from django.urls import path

from accounts.passwords import views

urlpatterns = [
    path("password/change", views.PasswordChangeView.as_view(), name="auth-password-change"),
]
