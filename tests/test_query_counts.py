"""Query counts of the hot paths, so a change that adds a query (an N+1, a second lookup)
fails here rather than in production. Counts are with the default shared store (the
database cache table); with REDIS_URL the rate-limit counter leaves the database and
login and registration cost fewer queries. /me (1) and refresh (3 + the counter) are
asserted next to their endpoints' tests (tests/accounts/api/test_me.py,
test_token_refresh.py); the second factor's, passkeys' and the mailed-token paths' in the
test_costs.py of tests/accounts/mfa, passkeys and recovery.
"""

import pytest
from django.core.cache import caches

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Rate-limit counter (the add a live key refuses, then read and update in a savepoint),
# one account lookup (shared by the lockout key and the password check, and reading
# whether the account has a second factor), the lockout counter (one upsert), audit row,
# and on failure axes' attempt record, on success: lockout reset (one DELETE),
# last_login and the new login session. The success's writes share one transaction:
# counted here as a SAVEPOINT and its RELEASE (tests run inside a transaction already);
# served, they are one BEGIN and one COMMIT, which Django does not count, instead of a
# commit per write.
LOGIN_SUCCESS_QUERIES = 13
LOGIN_FAILURE_QUERIES = 9
# Registration: the rate-limit counter; one lookup for whether the username or the email
# is taken; the account and its audit row; the verification mail's token, its queued task
# (in a savepoint of its own: a mail that cannot be queued does not undo the account) and
# audit row (a new account has sent no mail: no per-account cap to count); the login
# session. All in one transaction (the same SAVEPOINT and RELEASE); a registration that
# loses a race for its name rolls all of it back (tests/test_concurrency.py).
REGISTER_QUERIES = 12


@pytest.fixture(autouse=True)
def _cache_sweep_done():
    """The cache's sweep of expired rows (at most once a minute) happens before counting."""
    caches["default"].add("sweep-trigger", 0, 1)


@pytest.fixture
def user():
    return UserFactory(username="counted")


def _login(api, password):
    return api.post("/api/v1/auth/login", {"login": "counted", "password": password}, format="json")


def test_login_success_query_count(api, user, django_assert_num_queries):
    _login(api, "warm-up-Wrong-1")  # the rate-limit key exists from now on, as in steady state

    with django_assert_num_queries(LOGIN_SUCCESS_QUERIES):
        response = _login(api, user.raw_password)

    assert response.status_code == 200


def test_login_failure_query_count(api, user, django_assert_num_queries):
    _login(api, "warm-up-Wrong-1")

    with django_assert_num_queries(LOGIN_FAILURE_QUERIES):
        response = _login(api, "Wrong-password-2")

    assert response.status_code == 401


def test_register_query_count(api, django_assert_num_queries):
    payload = {"username": "fresh", "email": "fresh@example.com", "password": "Str0ng!passphrase"}

    with django_assert_num_queries(REGISTER_QUERIES):
        response = api.post("/api/v1/auth/register", payload, format="json")

    assert response.status_code == 201
