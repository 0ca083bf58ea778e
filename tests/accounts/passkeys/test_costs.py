"""What passkeys cost: a fixed number of queries and no password hash, for a passkey
login, a passkey as the second factor of a password login, and registering a passkey."""

import pytest

from tests.accounts.passkeys.authenticator import SoftAuthenticator
from tests.accounts.passkeys.flows import (
    REGISTER_VERIFY,
    auth_of,
    login_options,
    login_verify,
    mfa_answer,
    mfa_options,
    mfa_token_of,
    register,
    register_options,
    totp_enable,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The challenge (read, then used up by one conditional UPDATE), the passkey with its user
# (one joined SELECT), its counter and last use (one conditional UPDATE), the passkey_login
# audit row, then what every login does: lockout reset (one DELETE), last_login, the
# login_succeeded audit row, the new login session.
PASSKEY_LOGIN_QUERIES = 9
# POST /login/mfa with an assertion, in steady state (the password login before it made the
# rate-limit key live): the rate-limit counter (the add a live key refuses, then read and
# update in a savepoint: 5), the login's challenge read with its user, the conditional
# UPDATE taking a try, the lockout counter's upsert, the passkey challenge of that login
# (read, then used up), the passkey with its user (one joined SELECT), its counter and last
# use, the passkey_login audit row, the login's challenge marked used, then what every
# login does: lockout reset, last_login, the login_succeeded audit row, the new session.
PASSKEY_SECOND_FACTOR_QUERIES = 18
# The access token's session joined with its user, the registration challenge (read, then
# used up by one conditional UPDATE), then in a savepoint the passkey's INSERT (no lookup
# before it: the unique credential id refuses a duplicate) and the passkey_added audit row.
PASSKEY_REGISTER_QUERIES = 7


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


def test_a_passkey_as_second_factor_costs_a_fixed_number_of_queries_and_no_hash(
    api, counting_hasher, django_assert_num_queries
):
    # given an account with TOTP and a passkey, past the password stage of a login
    user = UserFactory()
    totp_enable(api, user)
    authenticator = register(api, user)["authenticator"]
    mfa_token = mfa_token_of(api, user)
    started = mfa_options(api, mfa_token).json()
    credential = authenticator.get(started["options"])
    counting_hasher.calls = 0

    with django_assert_num_queries(PASSKEY_SECOND_FACTOR_QUERIES):
        response = mfa_answer(api, mfa_token, started, credential)

    assert response.status_code == 200, response.content
    assert counting_hasher.calls == 0


def test_registering_a_passkey_costs_a_fixed_number_of_queries_and_no_hash(
    api, counting_hasher, django_assert_num_queries
):
    user = UserFactory()
    auth = auth_of(user)
    started = register_options(api, user)
    body = {
        "challenge_id": started["challenge_id"],
        "credential": SoftAuthenticator().create(started["options"]),
        "name": "Laptop",
    }
    counting_hasher.calls = 0

    with django_assert_num_queries(PASSKEY_REGISTER_QUERIES):
        response = api.post(REGISTER_VERIFY, body, format="json", **auth)

    assert response.status_code == 201, response.content
    assert counting_hasher.calls == 0
