"""kill -9 in the middle of a wave, then a restart: nothing lost, duplicates bounded."""

import asyncio
import signal
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from offline.fake_telegram import FakeTelegram
from offline.processes import start_bot_process
from storage import Repository
from tests.harness import eventually

pytestmark = pytest.mark.sqlite_only  # kill -9 of a bot on an SQLite file

NOW = "2020-02-15T08:00:00+08:00"
RECIPIENTS = range(7000, 7300)
BATCH = 20  # the sender's claim size: the most a crash can send twice


def delivered(telegram: FakeTelegram) -> Counter[int]:
    chats = [c.chat_id for c in telegram.calls if c.method == "sendMessage"]
    return Counter(chat for chat in chats if chat is not None and chat in RECIPIENTS)


async def start_bot(telegram: FakeTelegram, db: Path) -> asyncio.subprocess.Process:
    return await start_bot_process(
        telegram.url, db, SENSUS_NOW=NOW, SENSUS_PAID_BROADCAST="on", SENSUS_SEND_RATE="200"
    )


async def test_kill_9_mid_wave_then_restart_delivers_everything(telegram, tmp_path):
    db = tmp_path / "sensus.db"
    repo = await Repository.open(db)
    now = datetime.fromisoformat(NOW)
    for user_id in RECIPIENTS:
        await repo.seen_user(user_id, "id", now)
        await repo.enqueue(
            user_id, user_id, "reminder", "wave", "reminder:online-open", now.timestamp()
        )
    await repo.close()

    first = await start_bot(telegram, db)
    await eventually(lambda: len(delivered(telegram)) >= 100, seconds=30)
    first.kill()  # SIGKILL: no chance to clean up
    await first.wait()
    assert len(delivered(telegram)) < len(RECIPIENTS)

    second = await start_bot(telegram, db)
    await eventually(lambda: len(delivered(telegram)) == len(RECIPIENTS), seconds=30)
    second.send_signal(signal.SIGTERM)
    async with asyncio.timeout(10):
        _, stderr = await second.communicate()
    assert second.returncode == 0, stderr.decode()

    counts = delivered(telegram)
    assert set(counts) == set(RECIPIENTS)  # nobody lost
    assert sum(counts.values()) - len(RECIPIENTS) <= BATCH  # at most the in-flight batch twice
    repo = await Repository.open(db)
    assert await repo.outbox_status() == {"sent": len(RECIPIENTS)}
    await repo.close()
