"""The docs and the admin work in a real browser under the Content-Security-Policy."""

import pytest

from tests.browser import csp_violations
from tests.factories import UserFactory
from tests.servers import start_gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

# ReDoc always renders a Redocly logo from cdn.redoc.ly (no option turns it off); the policy
# blocks it, as it should (the docs load nothing from another origin), and ReDoc hides it.
REDOC_BLOCKED_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_setup, django_db_blocker):
    # Plain http on loopback: cookies without Secure so the admin login can keep its session.
    server = start_gunicorn(
        tmp_path_factory.mktemp("browser"), workers=1, threads=4, env={"DJANGO_SECURE_COOKIES": "0"}
    )
    yield server
    server.stop()


def test_swagger_ui_renders_every_operation_without_csp_violations(server, page):
    page.goto(f"{server.base_url}/docs")

    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/auth/login" in paths
    assert "/api/v1/auth/me" in paths
    assert csp_violations(page) == []
    assert page.console_errors == []


def test_redoc_renders_the_api_without_csp_violations(server, page):
    page.goto(f"{server.base_url}/redoc")

    page.wait_for_selector("h2:has-text('Log in with username or email')")
    assert page.locator("h1").first.inner_text().startswith("authsvc")
    assert page.locator("h2").count() >= 3  # one per operation
    violations = [text for text in csp_violations(page) if REDOC_BLOCKED_LOGO not in text]
    assert violations == []


def test_admin_login_and_index_work_without_csp_violations(server, page):
    admin = UserFactory(is_staff=True, is_superuser=True)

    page.goto(f"{server.base_url}/admin/login/")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", admin.raw_password)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    page.goto(f"{server.base_url}/admin/accounts/user/")
    page.wait_for_selector("#result_list")

    rows = page.locator("#result_list tbody tr").all_inner_texts()
    assert [row.split("\t")[1] for row in rows] == [admin.username]
    assert csp_violations(page) == []
