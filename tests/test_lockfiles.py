"""The lock files are what gets installed: every package pinned, hashed, and in step with
the ``.in`` files a developer edits."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)")


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def _requirements(path: Path) -> list[str]:
    """The requirement entries of a lock file, continuation lines joined."""
    text = path.read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] not in "# "]


def _locked(path: Path) -> dict[str, str]:
    versions = {}
    for entry in _requirements(path):
        match = PIN.match(entry)
        assert match, f"{path.name}: not an exact pin: {entry[:80]}"
        versions[_name(match[1])] = match[3]
    return versions


def _in_pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        match = PIN.match(line)
        assert match, f"{path.name}: direct dependencies are pinned exactly: {line}"
        pins[_name(match[1])] = match[3]
    return pins


@pytest.mark.parametrize("lock", ["requirements.txt", "requirements-dev.txt"])
def test_every_locked_package_is_pinned_with_a_sha256(lock):
    entries = _requirements(ROOT / lock)
    assert len(entries) > 20
    for entry in entries:
        assert PIN.match(entry), entry[:80]
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", entry), f"{lock}: no hash: {entry[:80]}"


@pytest.mark.parametrize(
    ("source", "lock"),
    [("requirements.in", "requirements.txt"), ("requirements-dev.in", "requirements-dev.txt")],
)
def test_lock_holds_each_direct_pin_at_its_version(source, lock):
    locked = _locked(ROOT / lock)
    for name, version in _in_pins(ROOT / source).items():
        found = locked.get(name)
        assert found == version, f"{lock}: {name} {found}; {source}: {version}"


def test_dev_lock_installs_the_runtime_set_unchanged():
    runtime, dev = _locked(ROOT / "requirements.txt"), _locked(ROOT / "requirements-dev.txt")
    assert {name: dev.get(name) for name in runtime} == runtime


def test_every_install_path_requires_hashes():
    assert "--require-hashes -r requirements-dev.txt" in (ROOT / "Makefile").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes --only-binary=:all: --requirement requirements.txt" in dockerfile
