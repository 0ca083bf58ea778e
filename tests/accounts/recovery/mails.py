"""Reading mailed tokens out of messages the real SMTP server received."""

import re

from tests.upstreams import text_body

_LINK = re.compile(r"(?P<base>\S+)/(?P<page>[a-z-]+)#token=(?P<token>[A-Za-z0-9_-]+)")


def mailed_token(message, page: str) -> str:
    """The token of the ``page`` link in ``message``; the text carries it bare as well."""
    body = text_body(message)
    match = _LINK.search(body)
    assert match is not None, body
    assert match["page"] == page
    token = match["token"]
    assert f"code in the app: {token}" in body
    return token


def mailed_link(message) -> str:
    match = _LINK.search(text_body(message))
    assert match is not None
    return match[0]
