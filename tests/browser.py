"""A real browser for tests of pages people use: Debian's chromium driven by Playwright.

Import the fixtures into a test module (``from tests.browser import browser, page  # noqa``)
or a conftest. The browser starts once per session; each test gets a fresh context and
page whose Content-Security-Policy violations and console errors are recorded on
``page.csp_violations`` and ``page.console_errors``. Without chromium the tests skip
with the reason (and so fail CI, where AUTHSVC_REQUIRE_SERVICES=1).
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("AUTHSVC_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
_ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
# Runs before any page script: a CSP violation is reported here even if the console is quiet.
_RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${event.sourceFile}`
  );
});
"""


def chromium_path() -> Path | None:
    if CHROMIUM.exists():
        return CHROMIUM
    found = shutil.which("chromium")
    return Path(found) if found else None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = chromium_path()
    if executable is None:
        pytest.skip(f"needs chromium at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; Django then refuses ORM calls
    # from it (SynchronousOnlyOperation) although they are synchronous. Tests only.
    previous = os.environ.get(_ASYNC_UNSAFE)
    os.environ[_ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(executable), args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop(_ASYNC_UNSAFE, None)
        else:
            os.environ[_ASYNC_UNSAFE] = previous


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context()
    context.add_init_script(_RECORD_VIOLATIONS)
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def csp_violations(page) -> list[str]:
    """Violations seen by the page's listener plus CSP complaints in the console."""
    seen = list(page.evaluate("window.__cspViolations || []"))
    return seen + [text for text in page.console_errors if "Content Security Policy" in text]
