import pytest

from tests.factories import UserFactory


@pytest.fixture
def boss_client(client):
    """The Django test client logged in to the admin as a superuser (``client.boss``)."""
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(boss)
    client.boss = boss
    return client
