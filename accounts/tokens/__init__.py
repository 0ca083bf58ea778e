"""Tokens: signing keys and JWKS (keys), JWT encode/verify (codec), lifecycle writes
(services) and reads (selectors), the browser cookie (cookies). docs/tokens.md has the model.

``token_pair_issue`` is the one place that mints a new login session's tokens.
"""

from accounts.tokens.services import TokenPair, token_pair_issue

__all__ = ["TokenPair", "token_pair_issue"]
