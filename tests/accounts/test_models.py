"""The database itself holds the account invariants, whatever path writes to it."""

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.db import DataError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.mfa.models import TotpDevice
from accounts.mfa.selectors import mfa_enabled
from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"username": "Bob_1"}, {"username": "bob_1"}),
        ({"email": "Bob@Example.com"}, {"email": "bob@example.COM"}),
    ],
)
def test_database_refuses_case_insensitive_duplicates(first, second):
    User.objects.create(**{"username": "u_one", "email": "one@example.com", **first})

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(**{"username": "u_two", "email": "two@example.com", **second})


@pytest.mark.parametrize(
    "username", ["ab", "has space", "ünïcode", "名前", "a-b", "x" * 33, "trailing\n"]
)
def test_database_refuses_badly_shaped_usernames(username):
    # PostgreSQL refuses an over-long value by its varchar(32) type (DataError) before
    # the check constraint; SQLite, which has no length types, by the constraint.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        User.objects.create(username=username, email="x@example.com")


def test_raw_sql_cannot_bypass_the_username_check():
    UserFactory(username="valid_name")

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_user SET username = %s", ["bad name"])


def test_ids_are_uuids_not_sequences():
    first, second = UserFactory(), UserFactory()

    assert first.id.version == 4
    assert first.id != second.id


def test_create_user_normalizes_email_domain_and_hashes_password(settings):
    user = User.objects.create_user("carol", "Carol@EXAMPLE.Org", "Pw-123456-x")

    assert user.email == "Carol@example.org"
    assert user.password != "Pw-123456-x"
    assert user.check_password("Pw-123456-x")


def test_create_superuser_is_staff_and_superuser():
    admin = User.objects.create_superuser("root_admin", "root@example.com", "Pw-123456-x")

    assert admin.is_staff and admin.is_superuser and admin.is_active


def test_natural_key_lookup_ignores_case():
    user = UserFactory(username="MiXeD_case")

    assert User.objects.get_by_natural_key("mixed_CASE") == user


@pytest.mark.parametrize(
    "login", ["MiXeD_case", "mixed_CASE", "Mixed@Example.COM", "mixed@EXAMPLE.com"]
)
def test_for_login_finds_the_account_by_username_or_email_in_any_case(login):
    user = UserFactory(username="MiXeD_case", email="Mixed@example.com")

    assert User.objects.for_login(login) == user


@pytest.mark.parametrize("login", ["bob", "alice@example.org", "", "alice%", "'; --"])
def test_for_login_is_none_without_an_exact_match(login):
    UserFactory(username="alice", email="bob@example.com")

    assert User.objects.for_login(login) is None


@pytest.mark.parametrize(
    ("login", "index"),
    [
        ("someone", "accounts_user_username_ci_unique"),
        ("someone@example.com", "accounts_user_email_ci_unique"),
    ],
)
@pytest.mark.parametrize("with_second_factor", [False, True])
def test_for_login_is_served_by_the_lower_case_unique_index(login, index, with_second_factor):
    with CaptureQueriesContext(connection) as queries:
        User.objects.for_login(login, with_second_factor=with_second_factor)
    (sql,) = [query["sql"] for query in queries.captured_queries]

    assert index in _plan(sql)


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # an empty table: ask for the index
            cursor.execute(f"EXPLAIN {sql}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return " ".join(str(column) for row in cursor.fetchall() for column in row)


def test_login_taken_is_served_by_both_lower_case_unique_indexes():
    with CaptureQueriesContext(connection) as queries:
        User.objects.login_taken(username="someone", email="someone@example.com")
    (sql,) = [query["sql"] for query in queries.captured_queries]

    plan = _plan(sql)
    assert "accounts_user_username_ci_unique" in plan, plan
    assert "accounts_user_email_ci_unique" in plan, plan


@pytest.mark.parametrize(
    ("devices", "expected"),
    [([], False), ([False], False), ([True], True)],
)
def test_for_login_reads_whether_the_account_has_a_confirmed_authenticator(devices, expected):
    user = UserFactory(username="second")
    other = UserFactory(username="other")
    TotpDevice.objects.create(user=other, name="app", confirmed=True, sealed_key="x")
    for confirmed in devices:
        TotpDevice.objects.create(user=user, name="app", confirmed=confirmed, sealed_key="x")

    with CaptureQueriesContext(connection) as queries:
        found = User.objects.for_login("SECOND", with_second_factor=True)
        answer = mfa_enabled(user=found)

    assert found == user
    assert answer is expected
    assert len(queries) == 1  # the account and the answer in one query
    assert "has_confirmed_totp" not in User.objects.for_login("second").__dict__


@pytest.mark.parametrize(
    ("username", "email", "taken"),
    [
        ("Taken_Name", "new@example.com", "username"),
        ("new_name", "TAKEN@example.com", "email"),
        ("taken_name", "taken@EXAMPLE.com", "username"),  # both: the username is reported
        ("new_name", "new@example.com", None),
        ("taken", "taken_name@example.com", None),  # a part of a value is not the value
    ],
)
def test_login_taken_says_which_field_an_account_already_has(username, email, taken):
    UserFactory(username="taken_name", email="taken@example.com")
    UserFactory(username="someone_else", email="else@example.com")

    with CaptureQueriesContext(connection) as queries:
        answer = User.objects.login_taken(username=username, email=email)

    assert answer == taken
    assert len(queries) == 1


def test_production_hasher_is_bcrypt_sha256_at_cost_12(settings):
    from config import settings as production

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    user = User(username="hashed")
    user.set_password("x" * 100)

    hasher = identify_hasher(user.password)
    assert hasher.algorithm == "bcrypt_sha256"
    assert user.password.split("$")[3] == "12"
    # bcrypt alone ignores bytes past 72; the SHA-256 pre-hash must not.
    assert not user.check_password("x" * 72 + "y" * 28)
    assert user.check_password("x" * 100)
