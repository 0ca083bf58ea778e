import pytest

from tests.factories import UserFactory
from tests.hashers import CountingHasher


@pytest.fixture
def boss_client(client):
    """The Django test client logged in to the admin as a superuser (``client.boss``)."""
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(boss)
    client.boss = boss
    return client


@pytest.fixture
def counting_hasher(settings):
    """The only password hasher, counting its hashes from 0 (``counting_hasher.calls``); a
    test resets the count after its setup, which hashes too (UserFactory, logins)."""
    settings.PASSWORD_HASHERS = ["tests.hashers.CountingHasher"]
    CountingHasher.calls = 0
    return CountingHasher
