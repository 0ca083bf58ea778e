"""What a passkey login costs: a fixed number of queries and no password hash."""

import pytest

from tests.accounts.passkeys.flows import login_options, login_verify, register
from tests.factories import UserFactory
from tests.hashers import CountingHasher

pytestmark = pytest.mark.django_db

# The challenge (read, then used up by one conditional UPDATE), the passkey with its user
# (one joined SELECT), its counter and last use (one conditional UPDATE), the passkey_login
# audit row, then what every login does: lockout reset (one DELETE), last_login, the
# login_succeeded audit row, the new login session.
PASSKEY_LOGIN_QUERIES = 9


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.hashers.CountingHasher"]
    CountingHasher.calls = 0
    return CountingHasher


def test_a_passkey_login_costs_a_fixed_number_of_queries_and_no_hash(
    api, counting_hasher, django_assert_num_queries
):
    user = UserFactory()
    authenticator = register(api, user)["authenticator"]
    started = login_options(api)
    credential = authenticator.get(started["options"])
    counting_hasher.calls = 0

    with django_assert_num_queries(PASSKEY_LOGIN_QUERIES):
        response = login_verify(api, started, credential)

    assert response.status_code == 200, response.content
    assert counting_hasher.calls == 0
