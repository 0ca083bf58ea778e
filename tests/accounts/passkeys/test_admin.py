"""The user admin lists an account's passkeys and removes them, audited."""

from html.parser import HTMLParser

import pytest

from accounts.audit.models import AuditLog
from accounts.passkeys.models import Passkey
from tests.accounts.passkeys.flows import login, register
from tests.factories import UserFactory
from tests.problem import assert_problem

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"


class _FormFields(HTMLParser):
    """What a browser would submit for the change form, as the page renders it."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in {"submit", "button"}:
            if attrs.get("type") in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.data.setdefault(name, []).append(attrs.get("value", "on"))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.setdefault(self._select, []).append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data.setdefault(name, []).append("")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data


def _change_form(html: str) -> dict[str, list[str]]:
    parser = _FormFields()
    parser.feed(html)
    return parser.data


def test_the_user_page_lists_the_accounts_passkeys_read_only(api, boss_client):
    user = UserFactory()
    register(api, user)

    html = boss_client.get(f"{USERS}{user.pk}/change/").content.decode()

    assert "Passkeys" in html
    assert "Laptop" in html
    form = _change_form(html)
    assert "passkeys-0-name" not in form  # shown, not editable
    assert form["passkeys-TOTAL_FORMS"] == ["1"]


def test_an_admin_removes_a_passkey_and_it_is_audited(api, boss_client):
    # given an account with two passkeys
    user = UserFactory()
    removed, kept = register(api, user), register(api, user)
    url = f"{USERS}{user.pk}/change/"
    form = _change_form(boss_client.get(url).content.decode())

    # when the admin ticks "delete" on the first and saves
    form["passkeys-0-DELETE"] = ["on"]
    response = boss_client.post(url, form)

    # then it is gone, audited with who removed it, and can no longer log in
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(Passkey.objects.values_list("pk", flat=True)) == [kept["id"]]
    row = AuditLog.objects.get(action="passkey_removed")
    assert row.user_id == user.pk
    assert row.details == {"key": removed["id"], "by": f"admin:{boss_client.boss.pk}"}
    assert_problem(login(api, removed["authenticator"]), 401, "invalid_credentials")
