"""Signals other features subscribe to (glue to third-party signals lives here too)."""

from django.dispatch import Signal

# Sent once per lockout, when the failure that reaches AUTH_LOCKOUT_THRESHOLD is recorded.
# Arguments: user (accounts.models.User, or None when the login names no account),
# ip (str, authsvc.clientip.client_ip of that request), locked_until (aware datetime, or
# None when the hard limit was reached: the lock lasts until a password reset or an unlock).
# Receivers run inside the login request and must never raise: keep them quick. The lockout
# notice (accounts.notifications) mails after commit, bounded by EMAIL_TIMEOUT and the mail breaker.
account_locked = Signal()
