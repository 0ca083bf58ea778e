"""Cost of each middleware on the cheapest request (GET /healthz), in process.

Times N requests through Django's handler with the first k middleware of the production
MIDDLEWARE, for k = 0..all (prefixes keep each middleware's dependencies, e.g. sessions
before authentication); the step from k-1 to k is the k-th middleware's cost per request.
Run: make bench-middleware (or python -m tests.benchmark.middleware_cost).
"""

import os
import statistics
import sys
import time

import django

REQUESTS = 2000
ROUNDS = 5


def per_request_us(middleware: list[str]) -> float:
    from django.conf import settings
    from django.test import Client

    settings.MIDDLEWARE = middleware
    client = Client()  # builds a fresh handler from settings.MIDDLEWARE
    client.get("/healthz")
    rounds = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(REQUESTS):
            client.get("/healthz")
        rounds.append((time.perf_counter() - start) / REQUESTS * 1e6)
    return statistics.median(rounds)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # the access log is measured, not printed
    django.setup()
    from django.conf import settings
    from django.test.utils import setup_test_environment

    setup_test_environment()
    full = list(settings.MIDDLEWARE)
    previous = per_request_us([])
    print(f"no middleware (Django's handler and the view): {previous:.0f} µs per GET /healthz")
    print("| middleware | cost µs/request |\n|---|---:|")
    for k, name in enumerate(full, start=1):
        current = per_request_us(full[:k])
        print(f"| {name} | {current - previous:.0f} |")
        previous = current
    print(f"all {len(full)} middleware: {previous:.0f} µs per GET /healthz (in process)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
