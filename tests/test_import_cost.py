"""What a worker that only serves plain API requests imports: not what a ceremony needs.

py_webauthn (with cbor2, pyOpenSSL and pyasn1), segno and httpx are imported on first use,
so a worker that never runs a passkey ceremony, draws a TOTP QR code or checks a password
against Pwned Passwords (off by default) does not hold them.
"""

import json
import os
import subprocess
import sys

import pytest

from tests import servers
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Imported on first use only: accounts/passkeys/ceremony.py, accounts/mfa/totp.py and
# accounts/passwords/validators.py (BreachedPasswordValidator).
LAZY = ["webauthn", "cbor2", "OpenSSL", "segno", "httpx"]

WORKER = """
import json, sys
import django
django.setup()
import config.urls  # what a gunicorn worker loads before its first request
from django.test import Client

client = Client()
statuses = [client.get("/healthz").status_code]
login = client.post(
    "/api/v1/auth/login",
    {"login": sys.argv[1], "password": sys.argv[2]},
    content_type="application/json",
)
statuses.append(login.status_code)
me = client.get("/api/v1/auth/me", headers={"authorization": "Bearer " + login.json()["access"]})
statuses.append(me.status_code)
register = client.post(
    "/api/v1/auth/register",
    {"username": "newcomer", "email": "newcomer@example.com", "password": sys.argv[2]},
    content_type="application/json",
)
statuses.append(register.status_code)
print(json.dumps({"statuses": statuses, "modules": sorted(sys.modules)}))
"""


def test_a_plain_api_worker_does_not_import_what_only_a_ceremony_needs():
    user = UserFactory()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": servers.test_database_url(),
        "DJANGO_ALLOWED_HOSTS": "testserver",
    }

    out = subprocess.run(
        [sys.executable, "-c", WORKER, user.email, user.raw_password],
        cwd=servers.ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )

    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["statuses"] == [200, 200, 200, 201], out.stderr
    assert [name for name in LAZY if name in result["modules"]] == []
