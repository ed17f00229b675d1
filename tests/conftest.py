"""Fixtures: the fake Bot API on loopback, settings on a temporary database, a running bot."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.harness import RunningBot, run_bot

ADMIN_ID = 900
# 10 March 2020, 10:00 WITA: the online census is open in both shipped calendars.
DURING_ONLINE = datetime(2020, 3, 10, 2, 0, tzinfo=UTC)


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    """A fake Telegram Bot API server on a free 127.0.0.1 port."""
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh SQLite file path."""
    return tmp_path / "sensus.db"


@pytest.fixture
def settings(telegram: FakeTelegram, db_path: Path) -> Settings:
    """Settings pointing at the fake server and a temporary database."""
    return Settings(
        token=TOKEN, api_url=telegram.url, db_path=db_path, admins=frozenset({ADMIN_ID})
    )


@pytest.fixture
async def bot(telegram: FakeTelegram, settings: Settings) -> AsyncIterator[RunningBot]:
    """The real application, polling the fake server."""
    async with run_bot(telegram, settings) as running_bot:
        yield running_bot
