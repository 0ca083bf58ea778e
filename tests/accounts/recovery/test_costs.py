"""What the mailed-token paths cost: queries, and password hashes. A reset confirm sets a
password and an email change request checks one (one hash each: counted, with their
refusals, in tests/accounts/test_hash_count.py); confirming an email change and verifying
an address hash nothing.

The mail each path sends is only queued (one INSERT in a savepoint of its own: 3
statements); no request talks to the mail server.
"""

import pytest

from accounts.recovery.models import TokenPurpose
from accounts.recovery.services import token_issue
from tests.factories import UserFactory
from tests.tokens import bearer, issue_pair

pytestmark = pytest.mark.django_db

RESET_CONFIRM = "/api/v1/auth/password/reset/confirm"
EMAIL_CHANGE = "/api/v1/auth/email/change"
EMAIL_CHANGE_CONFIRM = "/api/v1/auth/email/change/confirm"
EMAIL_VERIFY = "/api/v1/auth/email/verify"

# The token with its user (one joined SELECT), then in a savepoint: the conditional UPDATE
# that uses the token, the new password (with email_verified_at when the address was not
# verified yet: the same UPDATE), every session of the account revoked (the password_set
# receiver: one UPDATE), the lockout reset (one DELETE), the password_reset audit row and
# the notice to the owner queued (3).
PASSWORD_RESET_CONFIRM_QUERIES = 11
# In steady state (an earlier request made the rate-limit key live): the access token's
# session joined with its user, the rate-limit counter (the add a live key refuses, then
# read and update in a savepoint: 5), whether another account has the address (one
# SELECT), then in a savepoint: the per-account mail cap's COUNT, the token's INSERT, the
# mail to the new address queued (3) and the email_change_requested audit row.
EMAIL_CHANGE_QUERIES = 15
# The token with its user, then in a savepoint: the conditional UPDATE that uses the token,
# whether another account took the address meanwhile (one SELECT), the new address and
# email_verified_at in a savepoint of their own (3: a unique-constraint error there is a
# race lost to another account, answered 409), the email_changed audit row and the notice
# to the old address queued (3).
EMAIL_CHANGE_CONFIRM_QUERIES = 12
# The token with its user, then in a savepoint: the conditional UPDATE that uses the token,
# email_verified_at (one UPDATE) and the email_verified audit row.
EMAIL_VERIFY_QUERIES = 6


def test_a_password_reset_confirm_query_count(api, django_assert_num_queries):
    user = UserFactory()
    token = token_issue(user=user, purpose=TokenPurpose.PASSWORD_RESET, ttl_seconds=60)

    with django_assert_num_queries(PASSWORD_RESET_CONFIRM_QUERIES):
        response = api.post(
            RESET_CONFIRM, {"token": token, "new_password": "Fresh-Lantern-73-orbit"}, format="json"
        )

    assert response.status_code == 204, response.content


def test_an_email_change_request_query_count(api, django_assert_num_queries):
    # given the rate-limit key live: a request without a body is counted, then refused
    user = UserFactory()
    auth = bearer(issue_pair(user)["access"])
    assert api.post(EMAIL_CHANGE, {}, format="json", **auth).status_code == 400
    payload = {"new_email": "moved@new.example", "current_password": user.raw_password}

    with django_assert_num_queries(EMAIL_CHANGE_QUERIES):
        response = api.post(EMAIL_CHANGE, payload, format="json", **auth)

    assert response.status_code == 202, response.content


def test_an_email_change_confirm_costs_a_fixed_number_of_queries_and_no_hash(
    api, counting_hasher, django_assert_num_queries
):
    user = UserFactory()
    token = token_issue(
        user=user, purpose=TokenPurpose.EMAIL_CHANGE, ttl_seconds=60, new_email="moved@new.example"
    )
    counting_hasher.calls = 0

    with django_assert_num_queries(EMAIL_CHANGE_CONFIRM_QUERIES):
        response = api.post(EMAIL_CHANGE_CONFIRM, {"token": token}, format="json")

    assert response.status_code == 204, response.content
    assert counting_hasher.calls == 0


def test_an_email_verification_costs_a_fixed_number_of_queries_and_no_hash(
    api, counting_hasher, django_assert_num_queries
):
    user = UserFactory(email_verified_at=None)
    token = token_issue(user=user, purpose=TokenPurpose.EMAIL_VERIFY, ttl_seconds=60)
    counting_hasher.calls = 0

    with django_assert_num_queries(EMAIL_VERIFY_QUERIES):
        response = api.post(EMAIL_VERIFY, {"token": token}, format="json")

    assert response.status_code == 204, response.content
    assert counting_hasher.calls == 0
