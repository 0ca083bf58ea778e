"""The playground in a real browser: every flow a developer runs, under the strict CSP.

The page is opened at http://localhost:<port>, not 127.0.0.1: WebAuthn needs a secure
context and an origin whose host is the relying party id, and localhost is both.
"""

import importlib.util
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.accounts.recovery.mails import mailed_token
from tests.browser import csp_violations
from tests.factories import UserFactory
from tests.servers import free_port, start_gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Playground-passw0rd-42"


def _passkeys_available() -> bool:
    return importlib.util.find_spec("accounts.passkeys") is not None


needs_passkeys = pytest.mark.skipif(
    not _passkeys_available(), reason="needs the passkeys API (accounts.passkeys)"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_setup, django_db_blocker):
    port = free_port()
    env = {
        "AUTH_PLAYGROUND": "1",
        "DJANGO_SECURE_COOKIES": "0",
        "AUTH_LOGIN_RATE": "100/h",
        "REDIS_URL": "",
        "AUTH_WEBAUTHN_RP_ID": "localhost",
        "AUTH_WEBAUTHN_ORIGINS": f"http://localhost:{port}",
    }
    server = start_gunicorn(
        tmp_path_factory.mktemp("playground"), workers=1, threads=4, env=env, port=port
    )
    yield server
    server.stop()


@pytest.fixture
def playground(server, page):
    page.goto(server.base_url.replace("127.0.0.1", "localhost") + "/playground")
    expect(page.locator("h1")).to_have_text("authsvc playground")
    return page


@pytest.fixture
def authenticator(playground):
    """A DevTools virtual authenticator: a platform passkey that always says yes."""
    cdp = playground.context.new_cdp_session(playground)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    found = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    return cdp, found["authenticatorId"]


def answer(page, method: str, path: str, status: int):
    """The newest logged exchange for ``method path``, once its answer is ``status``."""
    entry = page.locator(f'#log .entry[data-method="{method}"][data-path="{path}"]').first
    expect(entry).to_have_attribute("data-status", str(status))
    return entry


def step(page, action) -> None:
    """Clear the log, then act: every answer looked for afterwards belongs to this step."""
    page.click("#clear-log")
    action()


def log_in(page, login: str, password: str = PASSWORD) -> None:
    page.fill("#login-form [name=login]", login)
    page.fill("#login-form [name=password]", password)
    step(page, lambda: page.click("#login-form button"))


def enable_totp(page) -> tuple[pyotp.TOTP, list[str]]:
    """Turn TOTP on from the playground: the authenticator and the recovery codes shown."""
    page.fill("#totp-start-form [name=current_password]", PASSWORD)
    step(page, lambda: page.click("#totp-start-form button"))
    answer(page, "POST", "/mfa/totp", 200)
    # The QR code is the server's SVG, inserted under the CSP.
    expect(page.locator("#totp-qr svg path")).to_have_count(1)
    totp = pyotp.TOTP(page.inner_text("#totp-secret"))
    page.fill("#totp-confirm-form [name=code]", totp.now())
    step(page, lambda: page.click("#totp-confirm-form button"))
    answer(page, "POST", "/mfa/totp/confirm", 200)
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    return totp, page.locator("#recovery-codes li").all_inner_texts()


def log_out(page) -> None:
    step(page, lambda: page.click("#logout"))
    answer(page, "POST", "/logout", 204)
    expect(page.locator("#state")).to_have_text("Not logged in.")


def assert_clean(page, *, expected_statuses: tuple[int, ...] = ()) -> None:
    """No CSP violation and no console error, except Chromium's own line for each answer the
    flow expects to be an error (it logs every non-2xx fetch, e.g. 401 mfa_required)."""
    expected = {
        f"Failed to load resource: the server responded with a status of {status}"
        for status in expected_statuses
    }
    errors = [text for text in page.console_errors if text.split(" (")[0] not in expected]
    assert csp_violations(page) == []
    assert errors == []


def test_register_keeps_tokens_in_memory_and_masks_secrets_in_the_log(playground):
    page = playground

    page.fill("#register-form [name=username]", "newcomer")
    page.fill("#register-form [name=email]", "newcomer@example.com")
    page.fill("#register-form [name=password]", PASSWORD)
    step(page, lambda: page.click("#register-form button"))

    entry = answer(page, "POST", "/register", 201)
    expect(page.locator("#state")).to_have_text(
        "Logged in as newcomer; access and refresh tokens held in memory."
    )
    assert PASSWORD not in entry.inner_text()
    assert '"access": "«hidden»"' in entry.inner_text()
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert page.context.cookies() == []
    assert_clean(page)


def test_password_login_then_who_am_i(playground):
    user = UserFactory(username="alice", password=PASSWORD)
    page = playground

    log_in(page, "alice")
    answer(page, "POST", "/login", 200)
    step(page, lambda: page.click("#me"))

    me = answer(page, "GET", "/me", 200)
    expect(me).to_contain_text(str(user.id))
    expect(page.locator("#state")).to_contain_text("Logged in as alice")
    assert_clean(page)


def test_totp_enrolment_then_login_with_password_and_code(playground):
    UserFactory(username="bob", password=PASSWORD)
    page = playground
    log_in(page, "bob")
    answer(page, "POST", "/login", 200)

    # when bob turns TOTP on, logs out and in again: the password is not enough
    totp, _ = enable_totp(page)
    log_out(page)
    log_in(page, "bob")
    answer(page, "POST", "/login", 401)
    expect(page.locator("#mfa-methods")).to_have_text("totp, recovery_code")

    # then the code finishes the login; the next step's code, since confirm used this one's
    page.fill("#mfa-totp-form [name=code]", totp.at(time.time() + 30))
    step(page, lambda: page.click("#mfa-totp-form button"))
    answer(page, "POST", "/login/mfa", 200)
    expect(page.locator("#state")).to_contain_text("Logged in as bob")
    expect(page.locator("#second-factor")).to_be_hidden()
    step(page, lambda: page.click("#sessions-list"))
    expect(page.locator("#sessions tr[data-current=true]")).to_contain_text("pwd otp mfa")
    assert_clean(page, expected_statuses=(401,))


def test_a_recovery_code_finishes_a_login_instead_of_the_app(playground):
    UserFactory(username="grace", password=PASSWORD)
    page = playground
    log_in(page, "grace")
    answer(page, "POST", "/login", 200)
    _, recovery_codes = enable_totp(page)
    log_out(page)

    log_in(page, "grace")
    answer(page, "POST", "/login", 401)
    page.fill("#mfa-recovery-form [name=recovery_code]", recovery_codes[0])
    step(page, lambda: page.click("#mfa-recovery-form button"))

    entry = answer(page, "POST", "/login/mfa", 200)
    assert recovery_codes[0] not in entry.inner_text()
    expect(page.locator("#state")).to_contain_text("Logged in as grace")
    step(page, lambda: page.click("#sessions-list"))
    expect(page.locator("#sessions tr[data-current=true]")).to_contain_text("pwd mfa recovery_code")
    assert_clean(page, expected_statuses=(401,))


def test_the_email_is_verified_with_the_mailed_token(playground, smtp, mail_worker):
    smtp.messages.clear()
    page = playground
    page.fill("#register-form [name=username]", "heidi")
    page.fill("#register-form [name=email]", "heidi@example.com")
    page.fill("#register-form [name=password]", PASSWORD)
    step(page, lambda: page.click("#register-form button"))
    answer(page, "POST", "/register", 201)

    # the developer pastes the token from the mail (the console, with make run)
    page.fill("#verify-form [name=token]", mailed_token(smtp.wait_for(1)[-1], "verify-email"))
    step(page, lambda: page.click("#verify-form button"))

    answer(page, "POST", "/email/verify", 204)
    step(page, lambda: page.click("#me"))
    expect(answer(page, "GET", "/me", 200)).to_contain_text('"email_verified": true')
    assert_clean(page)


def test_sessions_are_listed_and_one_ended_from_the_playground(server, playground):
    UserFactory(username="carol", password=PASSWORD)
    with server.client() as http:
        other = http.post("/api/v1/auth/login", json={"login": "carol", "password": PASSWORD})
    assert other.status_code == 200, other.text
    page = playground
    log_in(page, "carol")
    answer(page, "POST", "/login", 200)

    step(page, lambda: page.click("#sessions-list"))
    answer(page, "GET", "/sessions", 200)
    expect(page.locator("#sessions tbody tr")).to_have_count(2)
    other_id = page.locator("#sessions tr[data-current=false]").get_attribute("data-session-id")
    step(page, lambda: page.click("#sessions tr[data-current=false] button"))

    answer(page, "DELETE", f"/sessions/{other_id}", 204)
    expect(page.locator("#sessions tbody tr")).to_have_count(1)
    expect(page.locator("#sessions tbody tr")).to_have_attribute("data-current", "true")
    with server.client() as http:
        refused = http.post("/api/v1/auth/token/refresh", json={"refresh": other.json()["refresh"]})
    assert refused.status_code == 401, refused.text
    assert_clean(page)


def create_passkey(page) -> None:
    step(page, lambda: page.click("#passkey-create-form button"))
    answer(page, "POST", "/passkeys/register/verify", 201)
    expect(page.locator("#passkeys li")).to_have_text(["Playground passkey"])


@needs_passkeys
def test_passkey_created_then_used_to_log_in_without_a_username(playground, authenticator):
    UserFactory(username="dave", password=PASSWORD)
    page = playground
    log_in(page, "dave")
    answer(page, "POST", "/login", 200)

    create_passkey(page)
    log_out(page)
    page.fill("#login-form [name=login]", "")
    page.fill("#login-form [name=password]", "")
    step(page, lambda: page.click("#passkey-login"))

    answer(page, "POST", "/passkeys/login/verify", 200)
    expect(page.locator("#state")).to_contain_text("Logged in as dave")
    assert_clean(page)


@needs_passkeys
def test_a_second_passkey_on_the_same_authenticator_is_refused(playground, authenticator):
    UserFactory(username="erin", password=PASSWORD)
    page = playground
    log_in(page, "erin")
    answer(page, "POST", "/login", 200)
    create_passkey(page)

    step(page, lambda: page.click("#passkey-create-form button"))

    # excludeCredentials names the one it holds: the browser refuses before any verify
    answer(page, "POST", "/passkeys/register/options", 200)
    expect(page.locator("#log .failure")).to_have_attribute("data-error", "InvalidStateError")
    expect(page.locator('#log .entry[data-path="/passkeys/register/verify"]')).to_have_count(0)
    assert_clean(page)


@needs_passkeys
def test_passkey_as_the_second_factor_of_an_account_with_totp(playground, authenticator):
    UserFactory(username="frank", password=PASSWORD)
    page = playground
    log_in(page, "frank")
    answer(page, "POST", "/login", 200)
    create_passkey(page)
    enable_totp(page)
    log_out(page)

    log_in(page, "frank")
    answer(page, "POST", "/login", 401)
    expect(page.locator("#mfa-methods")).to_contain_text("passkey")
    step(page, lambda: page.click("#mfa-passkey"))

    answer(page, "POST", "/login/mfa/passkey/options", 200)
    answer(page, "POST", "/login/mfa", 200)
    expect(page.locator("#state")).to_contain_text("Logged in as frank")
    step(page, lambda: page.click("#sessions-list"))
    expect(page.locator("#sessions tr[data-current=true] td").nth(2)).to_contain_text("mfa")
    assert_clean(page, expected_statuses=(401,))
