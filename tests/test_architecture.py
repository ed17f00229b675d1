"""The layers import only what their place allows: no Telegram in the pure ones, no handlers
in the bot core, no offline fakes or tests in production code, no tests in bench/."""

import ast
import re
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


SQL = re.compile(r"SELECT |INSERT INTO|UPDATE \w+ SET|DELETE FROM| WHERE ")
# Tests that read or corrupt a database file from outside the bot, as an attacker, a backup
# tool or a crash would; everything else goes through the Repository.
TESTS_WITH_SQL = {
    "tests/test_architecture.py",  # the pattern above
    "tests/test_authorization.py",
    "tests/test_backup.py",
    "tests/test_database_faults.py",
    "tests/test_helpdesk.py",
    "tests/test_inbox.py",
    "tests/test_privacy.py",
    "tests/test_reminders.py",
    "tests/test_retention.py",
    "tests/test_rt_groups.py",
    "tests/test_workers.py",  # finds the sender's leader as an operator would
    "tests/test_statistics.py",
    "tests/test_migrate.py",  # what arrived in PostgreSQL, compared with the SQLite file
    "tests/test_postgres_cli.py",  # a row put there as an older bot left it
    "tests/test_sender.py",  # PostgreSQL ends the bot's connections, as a restart would
    "tests/databases.py",  # test schemas; reading either engine from outside the bot
}


def holds_sql(path: Path) -> bool:
    """Whether a string literal in the file (f-string parts included) looks like SQL."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value)
        for node in ast.walk(tree)
    )


def test_sql_is_written_only_in_storage():
    files = [
        p
        for folder in ("bot", "handlers", "bench", "tests", "offline")
        for p in (ROOT / folder).rglob("*.py")
    ]
    with_sql = {str(p.relative_to(ROOT)) for p in files if holds_sql(p)}
    assert sorted(with_sql - TESTS_WITH_SQL) == []
    assert sorted(TESTS_WITH_SQL - with_sql) == []  # the allow-list stays exact


def test_storage_uses_nothing_of_the_bot_but_its_domain():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name
            for name in imported_names(path)
            if name.split(".")[0] == "bot" and not name.startswith("bot.domain")
        )
        for path in sorted((ROOT / "storage").rglob("*.py"))
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_handlers_reach_storage_only_through_its_facade():
    facade = {"storage", "storage.repository"}
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name
            for name in imported_names(path)
            if name.split(".")[0] == "storage" and name not in facade
        )
        for path in sorted((ROOT / "handlers").rglob("*.py"))
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
