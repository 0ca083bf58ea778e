"""Container HEALTHCHECK: exit 0 when this container's gunicorn answers GET /healthz with 200.

Standard library only (the slim image has no curl). The Host header is the first concrete
name in DJANGO_ALLOWED_HOSTS, so the probe passes Django's host check in production, where
127.0.0.1 is usually not an allowed host. /healthz is exempt from the HTTPS redirect.
"""

import os
import sys
import urllib.error
import urllib.request


def probe_host() -> str:
    for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(","):
        host = host.strip()
        if host and host != "*" and not host.startswith("."):
            return host
    return "localhost"


def main() -> int:
    port = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").rsplit(":", 1)[-1]
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz", headers={"Host": probe_host()}
    )
    try:
        with urllib.request.urlopen(request, timeout=3) as response:  # noqa: S310 (fixed http URL)
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"healthcheck failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
