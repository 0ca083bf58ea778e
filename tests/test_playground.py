"""The playground's switch, and the shape of its page and script (the browser tests drive it)."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template.loader import render_to_string

from tests.problem import assert_problem

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "authsvc" / "static" / "playground" / "playground.js"


@pytest.mark.django_db
def test_playground_is_an_unknown_url_when_switched_off(client, settings):
    assert settings.AUTH_PLAYGROUND is False  # the default: the test settings leave it alone

    response = client.get("/playground")

    assert_problem(response, 404, "not_found")


@pytest.mark.parametrize("name", ["Dockerfile", "docker-compose.yml", ".env.example"])
def test_the_image_and_the_stack_never_switch_the_playground_on(name):
    assert "AUTH_PLAYGROUND" not in (ROOT / name).read_text()


def test_make_run_switches_the_playground_on():
    makefile = (ROOT / "Makefile").read_text()

    dev_env = next(line for line in makefile.splitlines() if line.startswith("DEV_ENV :="))

    assert "AUTH_PLAYGROUND=1" in dev_env.split()


class _InlineCode(HTMLParser):
    """Collects what a strict Content-Security-Policy would refuse in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and "src" not in names:
            self._in_script = True
        self.found += [f"{tag}[{name}]" for name in names if name == "style" or name[:2] == "on"]

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append("inline <script>")


def test_the_page_has_no_inline_script_or_style():
    parser = _InlineCode()

    parser.feed(render_to_string("playground/index.html"))

    assert parser.found == []


def test_the_reference_client_keeps_tokens_in_memory_and_evaluates_no_strings():
    code = "\n".join(
        line for line in SCRIPT.read_text().splitlines() if not line.strip().startswith("//")
    )

    refused = re.findall(
        r"\b(localStorage|sessionStorage|document\.cookie|eval|new Function|innerHTML)\b", code
    )

    assert refused == []
