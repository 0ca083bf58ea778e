"""Facts about an account that other capabilities act on; users/ itself depends on none of them.

``password_set``: sent after a save that stored a new password for an existing account,
whatever set it (the API, a reset, the admin's form, ``manage.py changepassword``, a shell).
Arguments: user, changed_at (aware datetime, also stored in ``user.password_changed_at``).
A rehash of the same password at login is not a change and sends nothing.

``user_deactivated``: sent after a save that leaves an existing account inactive.
Arguments: user.

Receivers run inside the caller's transaction: keep them to a statement or two.
"""

from django.dispatch import Signal

password_set = Signal()
user_deactivated = Signal()
