from django.urls import path

from accounts.login import views

urlpatterns = [
    path("login", views.LoginView.as_view(), name="auth-login"),
]
