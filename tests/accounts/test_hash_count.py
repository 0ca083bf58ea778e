"""Exactly one password hash per login and per registration, whatever the outcome; one per
password reset confirm and email change request; none for a token refresh.

The hash is the service's one deliberate expense; a second one (a rehash check, a
validation, a lockout check) would halve throughput at the hardware's limit.
"""

import pytest

from accounts.recovery.models import TokenPurpose
from accounts.recovery.services import token_issue
from tests.factories import UserFactory
from tests.tokens import bearer, issue_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(counting_hasher):
    user = UserFactory(username="alice", email="alice@example.com")
    counting_hasher.calls = 0
    return user


@pytest.mark.parametrize(
    ("login", "password_of"),
    [
        ("alice", lambda user: user.raw_password),  # success
        ("ALICE@example.com", lambda user: user.raw_password),  # success by email
        ("alice", lambda user: "Wrong-password-1"),  # wrong password
        ("nobody", lambda user: "Wrong-password-1"),  # unknown login: a dummy hash
    ],
)
def test_each_login_costs_exactly_one_hash(api, alice, counting_hasher, login, password_of):
    api.post("/api/v1/auth/login", {"login": login, "password": password_of(alice)}, format="json")

    assert counting_hasher.calls == 1


def test_login_of_an_inactive_user_costs_exactly_one_hash(api, alice, counting_hasher):
    alice.is_active = False
    alice.save(update_fields=["is_active"])

    response = api.post(
        "/api/v1/auth/login", {"login": "alice", "password": alice.raw_password}, format="json"
    )

    assert response.status_code == 401
    assert counting_hasher.calls == 1


def test_registration_costs_exactly_one_hash(api, counting_hasher):
    payload = {"username": "bob", "email": "bob@example.com", "password": "Str0ng!passphrase"}

    response = api.post("/api/v1/auth/register", payload, format="json")

    assert response.status_code == 201
    assert counting_hasher.calls == 1


@pytest.mark.parametrize(
    "payload",
    [
        {"username": "bob", "email": "bob@example.com", "password": "weak"},
        {"username": "alice", "email": "new@example.com", "password": "Str0ng!passphrase"},
    ],
)
def test_refused_registration_costs_no_hash(api, alice, counting_hasher, payload):
    response = api.post("/api/v1/auth/register", payload, format="json")

    assert response.status_code in {400, 409}
    assert counting_hasher.calls == 0


def test_a_password_reset_confirm_costs_exactly_one_hash(api, alice, counting_hasher):
    token = token_issue(user=alice, purpose=TokenPurpose.PASSWORD_RESET, ttl_seconds=60)

    response = api.post(
        "/api/v1/auth/password/reset/confirm",
        {"token": token, "new_password": "Fresh-Lantern-73-orbit"},
        format="json",
    )

    assert response.status_code == 204
    assert counting_hasher.calls == 1


def test_a_refused_password_reset_confirm_costs_no_hash(api, alice, counting_hasher):
    response = api.post(
        "/api/v1/auth/password/reset/confirm",
        {"token": "forged", "new_password": "Fresh-Lantern-73-orbit"},
        format="json",
    )

    assert response.status_code == 400
    assert counting_hasher.calls == 0


def test_an_email_change_request_costs_exactly_one_hash(api, alice, counting_hasher):
    access = issue_pair(alice)["access"]

    response = api.post(
        "/api/v1/auth/email/change",
        {"new_email": "alice@new.example", "current_password": alice.raw_password},
        format="json",
        **bearer(access),
    )

    assert response.status_code == 202
    assert counting_hasher.calls == 1


def test_a_token_refresh_costs_no_hash(api, alice, counting_hasher):
    refresh = issue_pair(alice)["refresh"]

    response = api.post("/api/v1/auth/token/refresh", {"refresh": refresh}, format="json")

    assert response.status_code == 200, response.content
    assert counting_hasher.calls == 0
