"""Recovery: password reset and proof of an address (email verification), by mailed tokens."""
