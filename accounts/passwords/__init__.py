"""Passwords: the policy's own validators and the password change endpoint."""
