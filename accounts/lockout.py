"""Account lockout state, as other features need to see it (refresh, admin, mail).

The abuse-defence issue implements the counting; this module is its public face.
"""

from accounts.models import User


def user_lockout_seconds_remaining(*, user: User) -> int:
    """Seconds until ``user``'s lockout ends; 0 when the account is not locked."""
    return 0
