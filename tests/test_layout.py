"""The package map of docs/architecture.md, held to its dependency rules.

Below the views, a capability imports only the capabilities listed before it in LAYERS:
audit knows no one, every other capability may record audit events and use users, and
so on down. Views and URL modules sit on top and may compose any capability's services
(registration answers with a token pair). ``authsvc/`` never imports ``accounts/``.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["audit", "users", "tokens", "login", "passwords", "recovery", "mfa", "passkeys"]
TOP_MODULES = {"views.py", "urls.py"}


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _capabilities_imported(path: Path) -> set[str]:
    return {
        name.split(".")[1]
        for name in _imported_modules(path)
        if name.startswith("accounts.") and name.split(".")[1] in LAYERS
    }


def _layer_modules() -> list[tuple[str, Path]]:
    return [
        (layer, path)
        for layer in LAYERS
        for path in sorted((ROOT / "accounts" / layer).rglob("*.py"))
        if path.name not in TOP_MODULES
    ]


def test_every_capability_package_is_in_the_map():
    packages = {
        path.parent.name
        for path in (ROOT / "accounts").glob("*/__init__.py")
        if path.parent.name not in {"migrations", "management"}
    }
    assert packages == set(LAYERS)


@pytest.mark.parametrize(
    ("layer", "path"), _layer_modules(), ids=lambda value: getattr(value, "name", value)
)
def test_a_capability_imports_only_the_ones_below_it(layer, path):
    allowed = set(LAYERS[: LAYERS.index(layer) + 1])

    imported = _capabilities_imported(path)

    assert imported <= allowed, f"{path.relative_to(ROOT)} imports {sorted(imported - allowed)}"


def test_authsvc_never_imports_accounts():
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "authsvc").rglob("*.py"))
        if any(name.split(".")[0] == "accounts" for name in _imported_modules(path))
    ]

    assert offenders == []


@pytest.mark.parametrize("name", ["models.py", "urls.py"])
def test_top_level_modules_only_gather(name):
    tree = ast.parse((ROOT / "accounts" / name).read_text())

    defined = [
        node.name
        for node in tree.body
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
    ]

    assert defined == []
