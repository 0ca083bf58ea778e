"""A second factor: TOTP (RFC 6238) and recovery codes, and the login stage that asks for it.

A login with the right password for an account with TOTP on issues nothing: it answers
``401 mfa_required`` with an opaque ``mfa_token`` (``models.MfaChallenge``), and
``POST /login/mfa`` trades that token and a code for the usual token pair, whose ``amr``
claim (RFC 8176) says which factors were proved. See docs/mfa.md.
"""
