"""The layers import only what their place allows: no Telegram in the pure ones, no handlers
in the bot core, no offline fakes or tests in production code, no tests in bench/."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("folder", ["bot/domain", "storage"])
def test_pure_layers_do_not_import_telegram(folder):
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / folder).rglob("*.py"))
        if {"telegram", "handlers"} & imported_modules(path)
    ]
    assert offenders == []


def imported_names(path: Path) -> set[str]:
    """Every module a file imports, in full (``telegram.ext``, ``bot.outbox.sender``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_bot_core_does_not_import_handlers():
    core = [p for p in sorted((ROOT / "bot").rglob("*.py")) if p.name != "app.py"]
    offenders = [str(p.relative_to(ROOT)) for p in core if "handlers" in imported_modules(p)]
    assert offenders == []  # only build_application() wires the handlers in


def test_the_outbox_wing_needs_no_handlers_and_no_telegram_beyond_sending():
    allowed = {"telegram", "telegram.error"}  # the Bot it sends with, and what sending raises
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name
            for name in imported_names(path)
            if name.split(".")[0] == "handlers"
            or (name.split(".")[0] == "telegram" and name not in allowed)
            or name in ("bot.context", "bot.app")
        )
        for path in sorted((ROOT / "bot" / "outbox").rglob("*.py"))
    }
    assert {path: names for path, names in offenders.items() if names} == {}


PRODUCTION = ("bot", "handlers", "storage")
SHELL_USES = {"offline.local_api", "offline.request"}  # the in-memory API, never the HTTP fake


def production_modules() -> list[Path]:
    return [path for folder in PRODUCTION for path in sorted((ROOT / folder).rglob("*.py"))]


def test_production_code_never_imports_the_offline_fakes_or_the_tests():
    offenders = {}
    for path in production_modules():
        relative = str(path.relative_to(ROOT))
        allowed = SHELL_USES if relative == "bot/shell.py" else set()
        names = sorted(
            name
            for name in imported_names(path)
            if name.split(".")[0] in ("offline", "tests") and name not in allowed
        )
        if names:
            offenders[relative] = names
    assert offenders == {}


def test_the_offline_fakes_live_outside_production_code():
    fakes = {"local_api.py", "fake_telegram.py"}
    misplaced = [str(p.relative_to(ROOT)) for p in production_modules() if p.name in fakes]
    assert misplaced == []  # they belong in offline/, which the shell, tests/ and bench/ share


@pytest.mark.parametrize("folder", ["bench", "offline"])
def test_benchmarks_and_the_offline_package_do_not_import_the_tests(folder):
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "tests" in imported_modules(path)
    ]
    assert offenders == []
