"""The admin in a real browser (headless Debian Chromium against gunicorn): unlocking a locked
user through the action, and the TOTP login of staff."""

import shutil

import pytest

from accounts.mfa.services import totp_enrol_confirm
from accounts.mfa.totp import totp_secret_new, totp_secret_seal
from accounts.models import TotpDevice
from tests.accounts.mfa.helpers import Authenticator
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.factories import UserFactory
from tests.servers import start_gunicorn

LOGIN = "/api/v1/auth/login"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        shutil.which(CHROMIUM) is None,
        reason=f"needs Chromium at {CHROMIUM} (apt-get install -y chromium); .ci/run installs it",
    ),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_setup, django_db_blocker):
    env = {
        "DJANGO_SECURE_COOKIES": "0",  # plain-HTTP loopback: Secure cookies never come back
        "AUTH_LOGIN_RATE": "100/h",  # this test is about the lockout, not the per-IP rate
        "REDIS_URL": "",
    }
    server = start_gunicorn(tmp_path_factory.mktemp("browser"), workers=1, env=env)
    yield server
    server.stop()


def test_admin_unlocks_a_locked_user_who_can_then_log_in(server):
    from playwright.sync_api import expect, sync_playwright

    # given an admin, and a user locked out by five wrong guesses over the API
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    victim = UserFactory(username="victim")
    with server.client() as http:
        for _ in range(5):
            http.post(LOGIN, json={"login": "victim", "password": "Wrong-password-1"})
        locked = http.post(LOGIN, json={"login": "victim", "password": victim.raw_password})
    assert locked.status_code == 423, locked.text

    # when the admin logs in, filters locked users, and runs "Unlock selected users"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{server.base_url}/admin/")
            page.fill("#id_username", "boss")
            page.fill("#id_password", boss.raw_password)
            page.click("input[type=submit]")
            expect(page.locator("#site-name")).to_be_visible()

            page.goto(f"{server.base_url}/admin/accounts/user/?locked=yes")
            rows = page.locator("#result_list tbody tr")
            expect(rows).to_have_count(1)
            expect(rows.first).to_contain_text("victim")
            rows.first.locator("input.action-select").check()
            page.select_option("select[name=action]", "unlock_selected")
            page.click("button[name=index]")
            expect(page.locator(".messagelist")).to_contain_text("Unlocked 1 locked user(s)")

            page.goto(f"{server.base_url}/admin/accounts/user/?locked=yes")
            expect(page.locator("#result_list")).to_have_count(0)
        finally:
            browser.close()

    # then the user can log in over the API again
    with server.client() as http:
        response = http.post(LOGIN, json={"login": "victim", "password": victim.raw_password})
    assert response.status_code == 200, response.text


def _staff_with_totp() -> tuple[object, Authenticator]:
    """A superuser whose TOTP is on (confirmed through the services) and their app."""
    user = UserFactory(username="boss", is_staff=True, is_superuser=True)
    secret = totp_secret_new()
    TotpDevice.objects.create(
        user=user, name="app", confirmed=False, sealed_key=totp_secret_seal(secret)
    )
    app = Authenticator(secret)
    totp_enrol_confirm(user=user, code=app.fresh_code())
    return user, app


def _log_in(page, base_url: str, *, username: str, password: str, code: str) -> None:
    page.goto(f"{base_url}/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.fill("#id_code", code)
    page.click("input[type=submit]")


def test_staff_with_totp_log_in_with_their_code_and_a_wrong_one_is_refused(server):
    from playwright.sync_api import expect, sync_playwright

    # given
    boss, app = _staff_with_totp()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            console = []
            page.on("console", lambda message: console.append(message.text))

            # when: a wrong code
            wrong = app.wrong_code()
            _log_in(page, server.base_url, username="boss", password=boss.raw_password, code=wrong)

            # then: the form again, with the error, and no way in
            expect(page.locator(".errornote")).to_contain_text("The code is wrong")
            expect(page.locator("#id_code")).to_be_visible()
            page.goto(f"{server.base_url}/admin/accounts/user/")
            expect(page.locator("#login-form")).to_be_visible()

            # when: the right code (of a step within the window that no code used yet)
            code = app.fresh_code()
            _log_in(page, server.base_url, username="boss", password=boss.raw_password, code=code)

            # then: the admin index, and its pages open, under the policy
            expect(page.locator("#site-name")).to_be_visible()
            expect(page.locator("#user-tools")).to_contain_text("boss")
            page.goto(f"{server.base_url}/admin/accounts/user/")
            expect(page.locator("#result_list")).to_be_visible()
            assert [text for text in console if "Content Security Policy" in text] == []
        finally:
            browser.close()
