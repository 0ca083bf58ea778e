"""Passkeys: WebAuthn credentials as a first factor (usernameless) and as a second."""
