"""Baseline facts an auditor asks about, checked on the migrated database."""

import pytest

from accounts.models import User


@pytest.mark.django_db
def test_the_migrations_create_no_account_default_or_otherwise():
    # ASVS 5.0 V6.3.2: no "admin", "root" or "sa" ships with the service
    assert not User.objects.exists()
