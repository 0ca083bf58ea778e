"""Tokens: signing keys and JWKS (keys), simplejwt token classes and their key-ring backend
(codec), login sessions (models), lifecycle writes (services) and reads (selectors), bearer
authentication, the browser cookie (cookies), and the refresh, logout and sessions endpoints.
docs/tokens.md has the model.

``services.token_pair_issue`` is the one place that mints a new login session's tokens.
"""
