"""The account's passkeys: list, rename, delete, and the last-passkey rule."""

import pytest

from accounts.audit.models import AuditLog
from accounts.passkeys.models import Passkey
from tests.accounts.passkeys.flows import PASSKEYS, auth_of, register, totp_enable
from tests.factories import UserFactory
from tests.problem import assert_problem

pytestmark = pytest.mark.django_db


def test_the_list_shows_the_accounts_passkeys_oldest_first(api):
    user, other = UserFactory(), UserFactory()
    first, second = register(api, user), register(api, user)
    register(api, other)

    response = api.get(PASSKEYS, **auth_of(user))

    assert response.status_code == 200
    listed = response.json()["passkeys"]
    assert [item["id"] for item in listed] == [first["id"], second["id"]]
    assert set(listed[0]) == {"id", "name", "created_at", "last_used_at"}


def test_an_account_without_passkeys_lists_none(api):
    assert api.get(PASSKEYS, **auth_of(UserFactory())).json() == {"passkeys": []}


def test_a_passkey_can_be_renamed(api):
    user = UserFactory()
    passkey = register(api, user)

    response = api.patch(
        f"{PASSKEYS}/{passkey['id']}", {"name": " Phone "}, format="json", **auth_of(user)
    )

    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Phone"
    assert Passkey.objects.get(pk=passkey["id"]).name == "Phone"


@pytest.mark.parametrize(
    "name", ['""', '"   "', '"' + "x" * 65 + '"', "true", "null", '["a"]', '"\\ud800"']
)
def test_a_rename_needs_a_name_of_1_to_64_characters(api, name):
    user = UserFactory()
    passkey = register(api, user)

    response = api.patch(
        f"{PASSKEYS}/{passkey['id']}",
        f'{{"name": {name}}}',
        content_type="application/json",
        **auth_of(user),
    )

    body = assert_problem(response, 400, "validation_error")
    assert list(body["errors"]) == ["name"]


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_another_accounts_passkey_is_not_found(api, method):
    owner, intruder = UserFactory(), UserFactory()
    passkey = register(api, owner)

    response = getattr(api, method)(
        f"{PASSKEYS}/{passkey['id']}", {"name": "mine"}, format="json", **auth_of(intruder)
    )

    assert_problem(response, 404, "not_found")
    assert Passkey.objects.get(pk=passkey["id"]).name == "Laptop"


def test_an_unknown_passkey_id_is_not_found(api):
    response = api.delete(f"{PASSKEYS}/999999", **auth_of(UserFactory()))

    assert_problem(response, 404, "not_found")


def test_deleting_a_passkey_removes_it_and_audits_it(api):
    user = UserFactory()
    passkey = register(api, user)

    response = api.delete(f"{PASSKEYS}/{passkey['id']}", **auth_of(user))

    assert response.status_code == 204
    assert not Passkey.objects.exists()
    row = AuditLog.objects.get(action="passkey_removed")
    assert (row.user_id, row.details) == (user.pk, {"key": passkey["id"], "by": "self"})


def _without_password(user):
    user.set_unusable_password()
    user.save(update_fields=["password"])


def test_the_last_passkey_of_an_account_with_no_other_way_in_cannot_be_deleted(api):
    # given an account whose only way in is one passkey (no usable password, no TOTP)
    user = UserFactory()
    passkey = register(api, user)
    auth = auth_of(user)
    _without_password(user)

    response = api.delete(f"{PASSKEYS}/{passkey['id']}", **auth)

    assert_problem(response, 409, "conflict")
    assert Passkey.objects.filter(pk=passkey["id"]).exists()
    assert not AuditLog.objects.filter(action="passkey_removed").exists()


def test_one_of_two_passkeys_can_be_deleted_without_a_password(api):
    user = UserFactory()
    first, second = register(api, user), register(api, user)
    auth = auth_of(user)
    _without_password(user)

    assert api.delete(f"{PASSKEYS}/{first['id']}", **auth).status_code == 204
    assert_problem(api.delete(f"{PASSKEYS}/{second['id']}", **auth), 409, "conflict")


def test_the_last_passkey_can_be_deleted_when_the_password_works(api):
    user = UserFactory()
    passkey = register(api, user)

    assert api.delete(f"{PASSKEYS}/{passkey['id']}", **auth_of(user)).status_code == 204


def test_the_last_passkey_can_be_deleted_when_totp_is_on(api):
    user = UserFactory()
    totp_enable(api, user)
    passkey = register(api, user)
    auth = auth_of(user)
    _without_password(user)

    assert api.delete(f"{PASSKEYS}/{passkey['id']}", **auth).status_code == 204


def test_managing_passkeys_needs_a_bearer_token(api):
    assert_problem(api.get(PASSKEYS), 401, "not_authenticated")
    assert_problem(api.delete(f"{PASSKEYS}/1"), 401, "not_authenticated")
