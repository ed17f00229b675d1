"""`sensus-bot run` as a real process: reaches the Bot API, answers, stops on SIGTERM."""

import asyncio
import signal
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from offline.fake_telegram import TOKEN, FakeTelegram
from offline.processes import start_bot_process
from storage import Repository
from tests.harness import eventually, run_cli


async def test_run_polls_the_configured_api_and_answers(telegram: FakeTelegram, db_path):
    process = await start_bot_process(telegram.url, db_path, SENSUS_LOG_LEVEL="INFO")
    try:
        await eventually(lambda: telegram.polls > 0)
        assert "getMe" in [c.method for c in telegram.calls]
        person = {"id": 77, "is_bot": False, "first_name": "Sari", "language_code": "id"}
        await telegram.push(telegram.api.incoming_message(person, "/start"))
        await eventually(lambda: any(c.method == "sendMessage" for c in telegram.calls))
        assert "Choose your language" in telegram.api.chat_messages(77)[-1]["text"]
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(10):
            _, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    assert telegram.token not in stderr.decode()


def test_webhook_options_are_checked_in_plain_words(tmp_path):
    env = {"TELEGRAM_BOT_TOKEN": "1:x", "SENSUS_DB": str(tmp_path / "s.db")}
    for args, message in [
        (["--webhook", "https://a.id/hook"], "--webhook URL and --listen HOST:PORT go together"),
        (["--webhook", "http://a.id/hook", "--listen", "0.0.0.0:8443"], "only calls https"),
        (["--webhook", "https://a.id/hook", "--listen", "8443"], "expected HOST:PORT"),
        (
            ["--webhook", "https://a.id:8080/hook", "--listen", "127.0.0.1:8443"],
            "Telegram only calls ports 443, 80, 88 and 8443",
        ),
    ]:
        result = run_cli("run", *args, env=env, check=False)
        assert result.returncode == 2 and message in result.stderr, result.stderr


def damage(db: Path) -> None:
    """A database with users whose last page is overwritten, as a bad disk leaves it."""

    async def seed() -> None:
        repo = await Repository.open(db)
        for user_id in range(1, 1500):
            await repo.seen_user(user_id, "id", datetime(2020, 1, 1, tzinfo=UTC))
        await repo.close()

    asyncio.run(seed())
    with sqlite3.connect(db) as raw:
        size, count = (
            raw.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_size", "page_count")
        )
    data = bytearray(db.read_bytes())
    start = (count - 1) * size
    data[start + 8 : start + size] = b"\xff" * (size - 8)
    db.write_bytes(bytes(data))


@pytest.mark.sqlite_only
def test_run_refuses_a_damaged_database_in_one_line(telegram: FakeTelegram, tmp_path: Path):
    db = tmp_path / "sensus.db"
    damage(db)
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": telegram.url, "SENSUS_DB": str(db)}
    result = run_cli("run", env=env, check=False, timeout=20)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"sensus-bot: error: SENSUS_DB: {db} is damaged (")
    assert len(result.stderr.splitlines()) == 1 and "restore the latest backup" in result.stderr
    assert not any(c.method == "getUpdates" for c in telegram.calls)


@pytest.mark.sqlite_only
async def test_a_second_run_on_the_same_database_is_refused_until_the_first_dies(
    telegram: FakeTelegram, tmp_path: Path
):
    db = tmp_path / "sensus.db"
    started = [await start_bot_process(telegram.url, db)]
    try:
        first = started[0]
        await eventually(lambda: telegram.polls > 0)
        started.append(second := await start_bot_process(telegram.url, db))
        async with asyncio.timeout(20):
            _, stderr = await second.communicate()
        assert second.returncode == 2
        assert stderr.decode().splitlines() == [
            f"sensus-bot: error: SENSUS_DB: {db} is in use by another sensus-bot run"
            f" (pid {first.pid}); run one per database"
        ]
        first.kill()  # kill -9: no clean-up, the lock goes with the process
        await first.wait()
        polls = telegram.polls
        started.append(third := await start_bot_process(telegram.url, db))
        await eventually(lambda: telegram.polls > polls)
        third.send_signal(signal.SIGTERM)
        async with asyncio.timeout(10):
            _, stderr = await third.communicate()
        assert third.returncode == 0, stderr.decode()
    finally:
        for process in started:
            if process.returncode is None:
                process.kill()
                await process.wait()
