import threading

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from accounts.users.services import registration_conflict
from tests.factories import UserFactory
from tests.problem import assert_problem

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/register"
GOOD = {"username": "alice_1", "email": "Alice@Example.COM", "password": "Str0ng!passphrase"}


def test_register_returns_201_with_user_and_token_pair(api):
    response = api.post(URL, GOOD, format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"user", "access", "refresh", "token_type", "expires_in"}
    assert set(body["user"]) == {"id", "username", "email", "date_joined"}
    assert body["user"]["username"] == "alice_1"
    assert body["user"]["email"] == "Alice@example.com"  # domain lower-cased, local part kept
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 1800
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"
    user = User.objects.get(pk=body["user"]["id"])
    assert user.check_password(GOOD["password"])
    assert user.is_active and not user.is_staff and not user.is_superuser


def test_register_tokens_authenticate_me(api):
    access = api.post(URL, GOOD, format="json").json()["access"]

    response = api.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {access}")

    assert response.status_code == 200
    assert response.json()["username"] == "alice_1"


def test_register_ignores_privileged_and_unknown_fields(api):
    payload = {
        **GOOD,
        "is_staff": True,
        "is_superuser": True,
        "is_active": False,
        "id": "00000000-0000-0000-0000-000000000001",
        "role": "admin",
    }

    response = api.post(URL, payload, format="json")

    assert response.status_code == 201
    user = User.objects.get(username="alice_1")
    assert str(user.id) != payload["id"]
    assert user.is_active and not user.is_staff and not user.is_superuser


@pytest.mark.parametrize(
    "username",
    [
        "ab",
        "a" * 33,
        "has space",
        "dash-name",
        "ünïcode",
        "名前名前",
        "١٢٣٤",
        "tab\tname",
        "new\nline",
        "trailing\n",
        "at@sign",
        "",
    ],
)
def test_register_refuses_bad_usernames(api, username):
    response = api.post(URL, {**GOOD, "username": username}, format="json")

    body = assert_problem(response, 400, "validation_error")
    assert "username" in body["errors"]


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@b.com", "a@b@c.com", ""])
def test_register_refuses_bad_emails(api, email):
    body = assert_problem(
        api.post(URL, {**GOOD, "email": email}, format="json"), 400, "validation_error"
    )
    assert "email" in body["errors"]


def test_register_reports_missing_fields_each_by_name(api):
    body = assert_problem(api.post(URL, {}, format="json"), 400, "validation_error")

    assert set(body["errors"]) == {"username", "email", "password"}


@pytest.mark.parametrize(
    ("password", "expected_codes"),
    [
        ("short1!", ["at least 8", "upper-case"]),
        ("alllowercase1!", ["upper-case"]),
        ("ALLUPPERCASE1!", ["lower-case"]),
        ("NoDigitsHere!", ["digit"]),
        ("NoSymbols123", ["special"]),
        ("abcdefgh", ["upper-case", "digit", "special", "too common"]),
    ],
)
def test_register_reports_every_failing_password_rule(api, password, expected_codes):
    body = assert_problem(
        api.post(URL, {**GOOD, "password": password}, format="json"), 400, "validation_error"
    )

    messages = " ".join(body["errors"]["password"])
    for fragment in expected_codes:
        assert fragment in messages
    assert len(body["errors"]["password"]) >= len(expected_codes)


def test_register_refuses_password_similar_to_username(api):
    payload = {**GOOD, "username": "Wonderland_7", "password": "Wonderland_7!"}

    body = assert_problem(api.post(URL, payload, format="json"), 400, "validation_error")

    assert "similar" in " ".join(body["errors"]["password"])


def test_register_refuses_overlong_password_before_hashing(api):
    with CaptureQueriesContext(connection) as queries:
        response = api.post(URL, {**GOOD, "password": "Aa1!" * 33}, format="json")

    # Only the rate-limit counter (the shared database cache) is touched, no account.
    assert not [q for q in queries.captured_queries if "accounts_user" in q["sql"]]

    body = assert_problem(response, 400, "validation_error")
    assert "password" in body["errors"]


def test_register_accepts_longest_allowed_password_exactly_as_sent(api):
    password = "  Ünïcødé ☃ pässwörd 1A!  " + "x" * 100
    password = password[:128]

    response = api.post(URL, {**GOOD, "password": password}, format="json")

    assert response.status_code == 201, response.content
    user = User.objects.get(username="alice_1")
    assert user.check_password(password)
    assert not user.check_password(password.strip())


def test_register_refuses_lone_surrogates_with_400(api):
    raw = b'{"username": "alice_2", "email": "a@example.com", "password": "Aa1!aaaa\\ud800"}'

    response = api.post(URL, raw, content_type="application/json")

    body = assert_problem(response, 400, "validation_error")
    assert "password" in body["errors"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("username", "ALICE_1"), ("email", "alice@EXAMPLE.com"), ("email", "ALICE@example.com")],
)
def test_register_taken_name_in_any_case_returns_409_naming_the_field(api, field, value):
    UserFactory(username="alice_1", email="alice@example.com")

    response = api.post(
        URL, {**GOOD, "username": "other", "email": "other@x.io", field: value}, format="json"
    )

    body = assert_problem(response, 409, "conflict")
    assert list(body["errors"]) == [field]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_registrations_give_one_201_and_one_409():
    barrier = threading.Barrier(2)
    statuses = []

    def register(email):
        client = APIClient(raise_request_exception=False)
        barrier.wait()
        statuses.append(client.post(URL, {**GOOD, "email": email}, format="json").status_code)
        connection.close()

    threads = [threading.Thread(target=register, args=(f"n{i}@example.com",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201, 409]
    assert User.objects.count() == 1


def test_register_with_character_classes_disabled_accepts_long_simple_password(api, settings):
    settings.AUTH_PASSWORD_VALIDATORS = [
        v for v in settings.AUTH_PASSWORD_VALIDATORS if "CharacterClasses" not in v["NAME"]
    ]

    response = api.post(URL, {**GOOD, "password": "correct horse battery staple"}, format="json")

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("username", "email", "field"),
    [("Winner", "mine@example.com", "username"), ("mine", "WIN@example.com", "email")],
)
def test_a_registration_that_lost_a_race_names_what_was_taken(username, email, field):
    UserFactory(username="winner", email="win@example.com")

    conflict = registration_conflict(username=username, email=email, error=IntegrityError("x"))

    assert conflict.status == 409
    assert conflict.errors == {field: [f"This {field} is already taken."]}


def test_an_integrity_error_that_is_no_race_is_raised_again():
    error = IntegrityError("some other constraint")

    with pytest.raises(IntegrityError) as raised:
        registration_conflict(username="nobody", email="nobody@example.com", error=error)

    assert raised.value is error
