from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from accounts.users.models import User


def user_for_login(login: str, request: HttpRequest | None = None) -> User | None:
    """The account ``login`` names (username or email, any letter case), or None.

    A login attempt needs the account twice, for its lockout key before the password
    check and for the check itself; the answer is remembered on the request, so the
    second costs no query. Whether the account has a second factor comes with it.
    """
    memo: dict[str, User | None] | None = getattr(request, "_login_users", None)
    key = login.lower()
    if memo is not None and key in memo:
        return memo[key]
    user = User.objects.for_login(login, with_second_factor=True)
    if request is not None:
        if memo is None:
            memo = request._login_users = {}  # type: ignore[attr-defined]
        memo[key] = user
    return user


class LoginBackend(ModelBackend):
    """Authenticates by username or email, in any letter case, at the cost of one hash."""

    @sensitive_variables("password")
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        user = user_for_login(username, request)
        if user is None:
            # Hash anyway so an unknown login costs what a known one does (Django #20760).
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
