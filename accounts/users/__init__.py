"""Users: the User model and its manager, registration, /me, the core of the user admin."""
