"""Login: the authentication backend, the atomic lockout counter and its django-axes glue,
the login endpoint, unlocking, and the lockout notice mailed to the owner."""
