"""One request straight through a WSGI application, as gunicorn would make it: no server,
no test client. Standard library only: the djoser peer's virtualenv imports it too."""

import io
import sys
from collections.abc import Callable, Iterable
from typing import Any


def wsgi_call(
    app: Callable[..., Iterable[bytes]],
    method: str,
    url: str,
    body: bytes = b"",
    **headers: str,
) -> tuple[str, bytes]:
    """The status line and body of ``method url`` with a JSON ``body``; ``headers`` by
    name, e.g. ``authorization="Bearer …"``."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": url,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_USER_AGENT": "bench",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **{"HTTP_" + name.upper(): value for name, value in headers.items()},
    }
    status: list[str] = []
    chunks = app(environ, lambda line, headers, exc_info=None: status.append(line))
    content = b"".join(chunks)
    getattr(chunks, "close", lambda: None)()
    return status[0], content
