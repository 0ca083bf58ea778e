"""What the second factor costs: password hashes (the service's deliberate expense) and
queries on the login's second stage, a hot path."""

import pytest
from django.core.cache import caches

from tests.accounts.mfa.helpers import (
    CONFIRM,
    Authenticator,
    enrol,
    enrol_begin,
    login_mfa,
    mfa_token_of,
)
from tests.factories import UserFactory
from tests.hashers import CountingHasher
from tests.tokens import bearer, issue_pair

pytestmark = pytest.mark.django_db

# The rate-limit counter (the add a live key refuses, then read and update in a savepoint:
# 5), the challenge read with its user, the conditional UPDATE taking a try, the lockout
# counter's upsert, the confirmed device, the conditional UPDATE of its last step, marking
# the challenge used, the lockout reset (axes' user_logged_in receiver: the account's key
# and its trusted devices'), last_login, the audit row and the new login session.
LOGIN_MFA_SUCCESS_QUERIES = 15


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.hashers.CountingHasher"]
    CountingHasher.calls = 0
    return CountingHasher


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


def test_second_stage_success_query_count(api, django_assert_num_queries):
    # given the cache's sweep of expired rows (at most once a minute) done, and the
    # rate-limit key live, as in steady state
    caches["default"].add("sweep-trigger", 0, 1)
    user = UserFactory(username="counted")
    enrolment = enrol(api, user)
    token = mfa_token_of(api, user)
    code = enrolment.authenticator.fresh_code()

    # when / then
    with django_assert_num_queries(LOGIN_MFA_SUCCESS_QUERIES):
        response = login_mfa(api, token, code=code)

    assert response.status_code == 200, response.content
