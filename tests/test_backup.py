"""`sensus-bot backup FILE`: an online, consistent copy while the bot keeps writing."""

import asyncio
import sqlite3
from datetime import UTC, datetime

import pytest

from storage import Repository
from tests.harness import run_cli

pytestmark = pytest.mark.sqlite_only  # SQLite online backup of a file

NOW = datetime(2020, 2, 15, tzinfo=UTC)


async def test_a_backup_taken_while_writes_go_on_is_a_consistent_database(tmp_path):
    live, copy = tmp_path / "sensus.db", tmp_path / "copy.db"
    repo = await Repository.open(live)
    for user_id in range(1, 501):
        await repo.seen_user(user_id, "id", NOW)

    async def keep_writing() -> None:
        for user_id in range(1000, 1500):
            await repo.seen_user(user_id, "en", NOW)
            await repo.subscribe(user_id, "token")

    writer = asyncio.create_task(keep_writing())
    await asyncio.sleep(0.01)
    await repo.backup(copy)
    await writer
    await repo.close()

    with sqlite3.connect(copy) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        users = {row[0] for row in raw.execute("SELECT user_id FROM users")}
        subscribed = {row[0] for row in raw.execute("SELECT user_id FROM subscriptions")}
    assert set(range(1, 501)) <= users
    late = users - set(range(1, 501))
    # a snapshot: a user written with a subscription in the copy, or neither, never half
    assert subscribed <= late and late - subscribed <= {max(late, default=0)}
    reopened = await Repository.open(copy)
    assert (await reopened.get_user(250)) is not None
    await reopened.close()


def test_backup_command_copies_and_reports_plainly(tmp_path):
    live, copy = tmp_path / "sensus.db", tmp_path / "backups" / "sensus-copy.db"
    copy.parent.mkdir()

    async def seed() -> None:
        repo = await Repository.open(live)
        await repo.seen_user(42, "mkn", NOW)
        await repo.close()

    asyncio.run(seed())
    result = run_cli("backup", str(copy), env={"SENSUS_DB": str(live)})
    assert result.stdout.startswith(f"backed up {live} to {copy}")
    with sqlite3.connect(copy) as raw:
        assert raw.execute("SELECT lang FROM users WHERE user_id = 42").fetchone() == ("mkn",)
    assert list(copy.parent.iterdir()) == [copy]  # no partial file left behind

    missing = run_cli("backup", str(copy), env={"SENSUS_DB": str(tmp_path / "no.db")}, check=False)
    assert missing.returncode == 2
    assert (
        missing.stderr.strip()
        == f"sensus-bot: error: SENSUS_DB: no database at {tmp_path / 'no.db'}"
    )


def test_backup_refuses_a_folder_the_live_database_and_its_wal_and_shm(tmp_path):
    live = tmp_path / "sensus.db"

    async def seed() -> None:
        repo = await Repository.open(live)
        await repo.seen_user(42, "mkn", NOW)
        await repo.close()

    asyncio.run(seed())
    folder = tmp_path / "backups"
    folder.mkdir()
    refusals = {
        folder: f"{folder} is a folder; give the backup a file name",
        live: "the backup must go to another file than SENSUS_DB and its -wal/-shm files",
        tmp_path / "sensus.db-wal": "another file than SENSUS_DB and its -wal/-shm files",
        tmp_path / "sensus.db-shm": "another file than SENSUS_DB and its -wal/-shm files",
    }
    for target, message in refusals.items():
        result = run_cli("backup", str(target), env={"SENSUS_DB": str(live)}, check=False)
        assert result.returncode == 2, (target, result.stderr)
        assert len(result.stderr.splitlines()) == 1 and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert list(folder.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backups", "sensus.db"]
    with sqlite3.connect(live) as raw:
        assert raw.execute("PRAGMA quick_check").fetchone() == ("ok",)
