"""Prepare a benchmark database: migrate, seed users with one precomputed hash, time the hasher.

Run by run.py in a subprocess whose environment selects the database. Prints one JSON line.

With --hash-only N it only times N production hashes (no migration, no users): run.py
calls it right before and after the login phase, because this machine's speed drifts
and a t measured minutes earlier at seeding time is not the t the login phase ran at.
"""

import argparse
import json
import os
import statistics
import time

import django


def time_hashes(password: str, count: int) -> tuple[str, str, list[float]]:
    """The hasher's name, one encoded hash, and the seconds each of `count` hashes took."""
    from django.contrib.auth.hashers import get_hasher

    hasher = get_hasher("default")
    timings = []
    encoded = ""
    for _ in range(count):
        start = time.perf_counter()
        encoded = hasher.encode(password, hasher.salt())
        timings.append(time.perf_counter() - start)
    return hasher.algorithm, encoded, timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--password", required=True)
    parser.add_argument(
        "--hash-only", type=int, metavar="N", help="only time N hashes; touch no database"
    )
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()

    if args.hash_only:
        algorithm, _, timings = time_hashes(args.password, args.hash_only)
        print(
            json.dumps(
                {
                    "hasher": algorithm,
                    "hash_seconds": statistics.median(timings),
                    "hash_samples": timings,
                }
            )
        )
        return

    from django.core.management import call_command

    from accounts.models import User

    call_command("migrate", verbosity=0, interactive=False)
    algorithm, encoded, timings = time_hashes(args.password, 5)
    # One real hash shared by every seeded user: seeding 1000 users costs one bcrypt, not 1000.
    User.objects.filter(username__startswith="bench_").delete()
    User.objects.bulk_create(
        [
            User(username=f"bench_{n}", email=f"bench_{n}@bench.example", password=encoded)
            for n in range(args.users)
        ],
        batch_size=1000,
    )
    # An admin for the admin-page phases, with the same precomputed hash.
    User.objects.filter(username="bench_admin").delete()
    User.objects.create(
        username="bench_admin",
        email="bench_admin@bench.example",
        password=encoded,
        is_staff=True,
        is_superuser=True,
    )
    print(
        json.dumps(
            {
                "hasher": algorithm,
                "hash_seconds": statistics.median(timings),
                "hash_samples": timings,
            }
        )
    )


if __name__ == "__main__":
    main()
