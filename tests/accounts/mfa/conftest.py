import pytest

from tests.accounts.mfa.helpers import enrol
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _rate_limit_out_of_the_way(settings):
    """A test here makes many login and factor requests from 127.0.0.1; the per-IP limit
    (AUTH_LOGIN_RATE) must not answer first. The rate-limit tests set their own."""
    settings.AUTH_LOGIN_RATE = "1000/h"


@pytest.fixture
def alice(api):
    """A user with TOTP on, enrolled through the API; ``alice.enrolment`` holds the secret,
    the authenticator app and the recovery codes."""
    user = UserFactory(username="alice", email="alice@example.com")
    user.enrolment = enrol(api, user)
    return user
