"""`sensus-bot run` while its database fails from outside: locked by another process, or no
room to grow (a full disk). The sender logs, backs off, recovers; SIGTERM still ends it."""

import asyncio
import errno
import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.audience import Audience
from offline.fake_telegram import FakeTelegram
from offline.processes import start_bot_process
from storage import Repository
from tests.harness import eventually

pytestmark = pytest.mark.sqlite_only  # a full disk, locks and I/O errors of an SQLite file

SETTINGS = {"SENSUS_QUIET_HOURS": "off", "SENSUS_SEND_RATE": "30"}


class Log:
    """Collects a child process's stderr lines as they come."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.lines: list[str] = []
        self._reader = asyncio.create_task(self._read(process))

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        async for line in process.stderr:
            self.lines.append(line.decode())

    def count(self, text: str) -> int:
        return sum(text in line for line in self.lines)

    async def close(self) -> str:
        await self._reader
        return "".join(self.lines)


async def queue_broadcast(db: Path, people: range, region: str, due_in: float) -> None:
    """Queue an Indonesian broadcast to ``people`` (newly seen in ``region``), due ``due_in``
    seconds from now."""
    repo = await Repository.open(db)
    now = datetime.now(UTC)
    for user_id in people:
        await repo.seen_user(user_id, "id", now)
        await repo.set_region(user_id, region, "Asia/Makassar")
    broadcast = await repo.create_broadcast(
        "staff", {"id": "Info sensus"}, "all", time.time() + due_in, now
    )
    await repo.queue_broadcast(broadcast, Audience("region", region))
    await repo.close()


def recorded(db: Path) -> dict[str, int]:
    """The outbox's rows by status, read by another connection."""
    with sqlite3.connect(db) as other:
        return dict(other.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status"))


def delivered(telegram: FakeTelegram, people: range) -> Counter[int]:
    chats = [c.chat_id for c in telegram.calls if c.method == "sendMessage"]
    return Counter(chat for chat in chats if chat is not None and chat in people)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 4 MB file system (tmpfs) of its own, so it can be filled up."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)],
        check=False,
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def fill(disk: Path) -> Path:
    """Take every free byte of ``disk`` (as other files do on a full disk)."""
    filler = disk / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(descriptor, b"\0" * 4096)
    except OSError as error:
        assert error.errno == errno.ENOSPC
    finally:
        os.close(descriptor)
    return filler


async def stop_within(process: asyncio.subprocess.Process, log: Log, seconds: float) -> str:
    """SIGTERM; the process must be gone within ``seconds``; return its stderr."""
    process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    async with asyncio.timeout(seconds):
        await process.wait()
        stderr = await log.close()
    assert time.monotonic() - started < seconds
    assert process.returncode == 0, stderr
    return stderr


async def test_a_full_disk_is_ridden_out_and_sigterm_in_one_exits_in_time(
    telegram: FakeTelegram, small_disk: Path
):
    db = small_disk / "sensus.db"
    process = await start_bot_process(telegram.url, db, **SETTINGS)
    log = Log(process)
    try:
        await eventually(lambda: telegram.polls > 0)
        first = range(8000, 8040)
        await queue_broadcast(db, first, "53.71", due_in=2)
        filler = fill(small_disk)
        await eventually(lambda: log.count("database or disk is full") > 0, seconds=15)
        assert delivered(telegram, first) == Counter()
        filler.unlink()  # room again
        await eventually(lambda: len(delivered(telegram, first)) == len(first), seconds=40)
        assert set(delivered(telegram, first).values()) == {1}
        assert log.count("sending resumed") >= 1
        await eventually(lambda: recorded(db) == {"sent": len(first)})

        second = range(8100, 8120)
        await queue_broadcast(db, second, "53.72", due_in=2)
        full_before = log.count("database or disk is full")
        filler = fill(small_disk)
        await eventually(lambda: log.count("database or disk is full") > full_before, 15)
        await stop_within(process, log, 10)
        filler.unlink()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    repo = await Repository.open(db)
    assert await repo.outbox_status() == {"sent": len(first), "pending": len(second)}
    await repo.close()


async def test_sigterm_while_another_process_holds_the_write_lock_exits_in_time(
    telegram: FakeTelegram, tmp_path: Path
):
    db = tmp_path / "sensus.db"
    process = await start_bot_process(telegram.url, db, **SETTINGS)
    log = Log(process)
    people = range(8200, 8220)
    try:
        await eventually(lambda: telegram.polls > 0)
        await queue_broadcast(db, people, "53.71", due_in=1)
        with sqlite3.connect(db, isolation_level=None) as other:
            other.execute("BEGIN IMMEDIATE")  # held until the bot is gone
            await eventually(lambda: log.count("database is locked") > 0, seconds=15)
            await stop_within(process, log, 10)
            other.execute("ROLLBACK")
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert delivered(telegram, people) == Counter()
    repo = await Repository.open(db)
    assert await repo.outbox_status() == {"pending": len(people)}  # all still queued
    await repo.close()


async def test_a_record_waiting_for_another_process_s_write_lock_leaves_the_bot_running(
    tmp_path: Path,
):
    db = tmp_path / "sensus.db"
    repo = await Repository.open(db)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        with sqlite3.connect(db, isolation_level=None) as other:
            other.execute("BEGIN IMMEDIATE")  # a command line write in progress
            recording = asyncio.create_task(repo.record_update(41, datetime.now(UTC)))
            started = time.monotonic()
            await eventually(lambda: ticks >= 20)
            # Other work went on (no 5 s stall of the event loop); the record still waits.
            assert time.monotonic() - started < 2
            assert not recording.done()
            other.execute("COMMIT")
        await recording
        assert await repo.update_processed(41)
    finally:
        ticker.cancel()
        await repo.close()
