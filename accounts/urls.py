"""Every /api/v1/auth/ endpoint, gathered from the capability that owns it."""

from accounts.login.urls import urlpatterns as login_urls
from accounts.mfa.urls import urlpatterns as mfa_urls
from accounts.passkeys.urls import urlpatterns as passkeys_urls
from accounts.passwords.urls import urlpatterns as passwords_urls
from accounts.recovery.urls import urlpatterns as recovery_urls
from accounts.tokens.urls import urlpatterns as tokens_urls
from accounts.users.urls import urlpatterns as users_urls

urlpatterns = [
    *users_urls,
    *login_urls,
    *tokens_urls,
    *passwords_urls,
    *recovery_urls,
    *mfa_urls,
    *passkeys_urls,
]
