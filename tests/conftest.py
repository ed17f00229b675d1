"""Fixtures: the fake Bot API on loopback, settings on a temporary database, a running bot;
the bot logs at DEBUG for the whole suite, and after it no number typed to the bot may be
found in the files the tests left or in that log."""

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import pytest

from bot.config import Settings
from bot.logs import setup_logging
from offline.fake_telegram import TOKEN, FakeTelegram
from storage.engine import Location, PostgresUrl
from tests import databases
from tests.harness import RunningBot, run_bot
from tests.privacy_scan import PrivacyScan

ADMIN_ID = 900
# 10 March 2020, 10:00 WITA: the online census is open in both shipped calendars.
DURING_ONLINE = datetime(2020, 3, 10, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def privacy_scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivacyScan]:
    """What the tests typed; at the end of the suite, any of it found in a database, its
    -wal, a backup or the bot's log fails the run."""
    scan = PrivacyScan()
    yield scan
    leaks = scan.findings(tmp_path_factory.getbasetemp())
    assert not leaks, f"{len(scan.numbers)} typed numbers; found: {leaks[:10]}"


@pytest.fixture(scope="session")
def bot_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TextIO]:
    """The log file every test's bot writes to, as in production (through the filter)."""
    with (tmp_path_factory.getbasetemp() / "bot.log").open("w", encoding="utf-8") as log:
        yield log


@pytest.fixture(autouse=True)
def debug_logging(privacy_scan: PrivacyScan, bot_log: TextIO) -> None:
    """Log at DEBUG into the suite's log (tests that set up logging themselves may)."""
    setup_logging("DEBUG", secrets=[TOKEN], stream=bot_log)  # as `run` sets it up


@pytest.fixture
async def telegram(privacy_scan: PrivacyScan) -> AsyncIterator[FakeTelegram]:
    """A fake Telegram Bot API server on a free 127.0.0.1 port; what is pushed is recorded."""
    fake = FakeTelegram()
    pushed = fake.push

    async def push(payload: dict[str, Any]) -> int:
        privacy_scan.record(payload)
        return await pushed(payload)

    fake.push = push  # type: ignore[method-assign]
    await fake.start()
    yield fake
    await fake.stop()


ENGINES = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: about SQLite files (backup, WAL, file modes, locks, damage)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test on a database runs on each engine (SQLite-only tests on SQLite)."""
    if "db_engine" in metafunc.fixturenames:
        only_sqlite = metafunc.definition.get_closest_marker("sqlite_only") is not None
        metafunc.parametrize("db_engine", ENGINES[:1] if only_sqlite else ENGINES, indirect=True)


@pytest.fixture
def db_engine(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgresql`` (skipped without SENSUS_TEST_POSTGRES)."""
    engine = str(request.param)
    if engine == "postgresql" and not databases.SERVER:
        pytest.skip(databases.NOT_SET)
    return engine


@pytest.fixture(scope="session")
def postgres_schemas() -> Iterator[None]:
    """The PostgreSQL schemas tests empty and pass on are dropped at the end."""
    yield
    if databases.SERVER:
        databases.drop_recycled()


@pytest.fixture
def db_path(db_engine: str, tmp_path: Path, postgres_schemas: None) -> Iterator[Location]:
    """A fresh database: an SQLite file path, or an empty PostgreSQL schema of its own."""
    if db_engine == "sqlite":
        yield tmp_path / "sensus.db"
        return
    with databases.empty_schema(tmp_path) as url:
        yield url


@pytest.fixture
def postgres_url(tmp_path: Path) -> Iterator[PostgresUrl]:
    """A new PostgreSQL schema, not migrated yet (skipped without SENSUS_TEST_POSTGRES)."""
    if not databases.SERVER:
        pytest.skip(databases.NOT_SET)
    with databases.fresh_schema(tmp_path) as url:
        yield url


@pytest.fixture
def settings(telegram: FakeTelegram, db_path: Location) -> Settings:
    """Settings pointing at the fake server and a temporary database."""
    return Settings(
        token=TOKEN, api_url=telegram.url, database=db_path, admins=frozenset({ADMIN_ID})
    )


@pytest.fixture
async def bot(telegram: FakeTelegram, settings: Settings) -> AsyncIterator[RunningBot]:
    """The real application, polling the fake server."""
    async with run_bot(telegram, settings) as running_bot:
        yield running_bot
