"""What the second factor costs: password hashes (the service's deliberate expense) and
queries, on the login's second stage (a hot path) and on enrolment.

Rate-limited requests are counted in steady state: an earlier request of the same group
from the same client made the rate-limit key live (and swept the cache's expired rows,
which happens at most once a minute). A passkey as the second factor is counted in
tests/accounts/passkeys/test_costs.py."""

import pytest
from django.core.cache import caches

from tests.accounts.mfa.helpers import (
    CONFIRM,
    TOTP,
    Authenticator,
    enrol,
    enrol_begin,
    login_mfa,
    mfa_token_of,
)
from tests.factories import UserFactory
from tests.tokens import bearer, issue_pair

pytestmark = pytest.mark.django_db

# The rate-limit counter (the add a live key refuses, then read and update in a savepoint:
# 5), the challenge read with its user, the conditional UPDATE taking a try, the lockout
# counter's upsert, the confirmed device, the conditional UPDATE of its last step, marking
# the challenge used, the lockout reset (axes' user_logged_in receiver: the account's key
# and its trusted devices'), last_login, the audit row and the new login session.
LOGIN_MFA_SUCCESS_QUERIES = 15
# The same with a recovery code instead of a TOTP code: the conditional UPDATE that uses
# the code and the recovery_code_used audit row instead of the device's UPDATE; the
# confirmed device is still read (the factor check reads it before it looks at which
# factor came, though only a TOTP code needs it).
LOGIN_MFA_RECOVERY_CODE_QUERIES = 16
# Enrolment's first step (the password checked with one hash, nothing written when it is
# right): the access token's session joined with its user, the rate-limit counter (5),
# whether TOTP is already on (the confirmed device), then update_or_create of the pending
# device in a savepoint: its SELECT (FOR UPDATE on PostgreSQL; the same one statement on
# SQLite) and, none being there, its INSERT in a savepoint of its own.
TOTP_ENROL_BEGIN_QUERIES = 13
# Enrolment's second step: the session with its user, the rate-limit counter (5), the
# pending device, the lockout counter's upsert (the code's try), the conditional UPDATE of
# the device's last step, the try taken back (one UPDATE); then in a savepoint the device
# confirmed, the old recovery codes deleted and ten new ones inserted (one INSERT), every
# session of the account revoked (one UPDATE); the mfa_enabled audit row and the new login
# session the answer carries.
TOTP_ENROL_CONFIRM_QUERIES = 18


@pytest.fixture
def alice(api, counting_hasher):
    user = UserFactory(username="alice")
    user.enrolment = enrol(api, user)
    return user


@pytest.mark.parametrize(
    "factor",
    [
        lambda enrolment: {"code": enrolment.authenticator.fresh_code()},
        lambda enrolment: {"recovery_code": enrolment.recovery_codes[0]},
        lambda enrolment: {"code": enrolment.authenticator.wrong_code()},
    ],
    ids=["code", "recovery-code", "wrong-code"],
)
def test_the_second_stage_costs_no_password_hash(api, alice, counting_hasher, factor):
    token = mfa_token_of(api, alice)
    counting_hasher.calls = 0

    login_mfa(api, token, **factor(alice.enrolment))

    assert counting_hasher.calls == 0


def test_the_password_stage_of_an_mfa_login_costs_exactly_one_hash(api, alice, counting_hasher):
    counting_hasher.calls = 0

    mfa_token_of(api, alice)

    assert counting_hasher.calls == 1


@pytest.mark.parametrize("password", [None, "Not-the-password-1"], ids=["right", "wrong"])
def test_enrolment_begin_costs_exactly_one_hash(api, counting_hasher, password):
    user = UserFactory()
    access = issue_pair(user)["access"]
    counting_hasher.calls = 0

    api.post(
        "/api/v1/auth/mfa/totp",
        {"current_password": password or user.raw_password},
        format="json",
        **bearer(access),
    )

    assert counting_hasher.calls == 1


def test_enrolment_confirm_costs_no_hash(api, counting_hasher):
    user = UserFactory()
    access = issue_pair(user)["access"]
    authenticator = Authenticator(enrol_begin(api, user, access).json()["secret"])
    counting_hasher.calls = 0

    response = api.post(
        CONFIRM, {"code": authenticator.fresh_code()}, format="json", **bearer(access)
    )

    assert response.status_code == 200
    assert counting_hasher.calls == 0


@pytest.mark.parametrize(
    ("factor", "queries"),
    [
        (
            lambda enrolment: {"code": enrolment.authenticator.fresh_code()},
            LOGIN_MFA_SUCCESS_QUERIES,
        ),
        (
            lambda enrolment: {"recovery_code": enrolment.recovery_codes[0]},
            LOGIN_MFA_RECOVERY_CODE_QUERIES,
        ),
    ],
    ids=["code", "recovery-code"],
)
def test_second_stage_success_query_count(api, factor, queries, django_assert_num_queries):
    # given the cache's sweep of expired rows (at most once a minute) done, and the
    # rate-limit key live, as in steady state
    caches["default"].add("sweep-trigger", 0, 1)
    user = UserFactory(username="counted")
    enrolment = enrol(api, user)
    token = mfa_token_of(api, user)
    answer = factor(enrolment)

    # when / then
    with django_assert_num_queries(queries):
        response = login_mfa(api, token, **answer)

    assert response.status_code == 200, response.content


def test_enrolment_begin_query_count(api, django_assert_num_queries):
    # given the rate-limit key live: a request without a body is counted, then refused
    user = UserFactory()
    access = issue_pair(user)["access"]
    assert api.post(TOTP, {}, format="json", **bearer(access)).status_code == 400

    with django_assert_num_queries(TOTP_ENROL_BEGIN_QUERIES):
        response = enrol_begin(api, user, access)

    assert response.status_code == 200, response.content


def test_enrolment_confirm_query_count(api, django_assert_num_queries):
    # given a pending enrolment (whose request made the rate-limit key live)
    user = UserFactory()
    access = issue_pair(user)["access"]
    code = Authenticator(enrol_begin(api, user, access).json()["secret"]).fresh_code()

    with django_assert_num_queries(TOTP_ENROL_CONFIRM_QUERIES):
        response = api.post(CONFIRM, {"code": code}, format="json", **bearer(access))

    assert response.status_code == 200, response.content
