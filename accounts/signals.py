"""Signals other features subscribe to (glue to third-party signals lives here too)."""

from django.dispatch import Signal

# Sent once per lockout, when the failure that reaches AUTH_LOCKOUT_THRESHOLD is recorded.
# Arguments: user (accounts.models.User, or None when the login names no account),
# ip (str, authsvc.clientip.client_ip of that request), locked_until (aware datetime).
# Receivers run inside the login request: keep them quick (queue mail, do not send it).
account_locked = Signal()
