"""The repository on real SQLite files and, where configured, real PostgreSQL schemas."""

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.retention import Retention
from storage import Repository, StorageError
from storage.engine import PostgresUrl
from storage.repository import migrations
from tests import databases

NOW = datetime(2020, 2, 15, 8, 0, tzinfo=UTC)
BIG_ID = 7_000_000_001  # Telegram ids exceed 2^31


async def test_a_new_database_is_migrated_to_the_latest_version(db_path):
    repo = await Repository.open(db_path)
    assert await repo.schema_version() == migrations()[-1][0]
    await repo.close()


@pytest.mark.sqlite_only
async def test_a_new_sqlite_database_is_in_wal_mode(db_path):
    await (await Repository.open(db_path)).close()
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_both_engines_have_the_same_migration_numbers():
    numbers = [number for number, _ in migrations("sqlite")]
    assert [number for number, _ in migrations("postgresql")] == numbers
    assert numbers == list(range(1, len(numbers) + 1))


async def test_workers_starting_together_on_a_new_schema_migrate_it_once(postgres_url):
    repos = await asyncio.gather(*(Repository.open(postgres_url) for _ in range(5)))
    versions = {await repo.schema_version() for repo in repos}
    await repos[0].seen_user(BIG_ID, "id", NOW)
    assert [(await repo.get_user(BIG_ID)) is not None for repo in repos] == [True] * 5
    for repo in repos:
        await repo.close()
    assert versions == {migrations()[-1][0]}
    assert databases.versions_recorded(postgres_url) == [migrations()[-1][0]]


async def test_two_workers_never_claim_the_same_message(postgres_url):
    first, second = Repository.open(postgres_url), Repository.open(postgres_url)
    a, b = await asyncio.gather(first, second)
    for chat in range(40):
        await a.enqueue(BIG_ID + chat, None, "broadcast", "broadcast:1", "broadcast:1", 1.0)
    claims = await asyncio.gather(*(repo.claim_due(2.0, 5) for repo in (a, b) * 6))
    claimed = [row.id for rows in claims for row in rows]
    assert len(claimed) == len(set(claimed)) == 40
    await a.close()
    await b.close()


async def test_an_unreachable_postgresql_server_is_one_line_with_the_password_masked():
    url = PostgresUrl("postgresql://sensus:s3cret-pw@127.0.0.1:1/sensus")
    with pytest.raises(StorageError) as refused:
        await Repository.open(url)
    message = str(refused.value)
    assert "\n" not in message and "s3cret-pw" not in message
    assert message.startswith("cannot open database postgresql://sensus:***@127.0.0.1:1/sensus")


async def test_large_telegram_ids_round_trip(db_path):
    repo = await Repository.open(db_path)
    await repo.seen_user(BIG_ID, "id", NOW)
    await repo.enqueue(-1_000_000_000_123, BIG_ID, "reminder", "k", "reminder:token", 1.0)
    rows = await repo.claim_due(2.0, 10)
    assert [(row.chat_id, row.user_id) for row in rows] == [(-1_000_000_000_123, BIG_ID)]
    stored = await repo.get_user(BIG_ID)
    assert stored is not None and stored.user_id == BIG_ID
    await repo.close()


async def test_first_contact_creates_the_user_and_later_contacts_refresh_last_seen(db_path):
    repo = await Repository.open(db_path)
    created = await repo.seen_user(5, "en", NOW)
    assert (created.lang, created.lang_chosen, created.first_seen) == ("en", False, NOW)
    again = await repo.seen_user(5, "id", NOW + timedelta(minutes=5))
    assert again.lang == "en"  # a later guess never overrides
    later = NOW + timedelta(hours=2)
    await repo.seen_user(5, "id", later)
    stored = await repo.get_user(5)
    assert stored is not None and stored.last_seen == later and stored.first_seen == NOW
    await repo.close()


async def test_language_choice_survives_reopening(db_path):
    repo = await Repository.open(db_path)
    await repo.seen_user(6, "id", NOW)
    await repo.set_language(6, "mkn")
    await repo.close()
    reopened = await Repository.open(db_path)
    stored = await reopened.get_user(6)
    assert stored is not None and (stored.lang, stored.lang_chosen) == ("mkn", True)
    await reopened.close()


async def test_delete_user_removes_the_row(db_path):
    repo = await Repository.open(db_path)
    await repo.seen_user(7, "id", NOW)
    assert await repo.delete_user(7) is True
    assert await repo.get_user(7) is None
    assert await repo.delete_user(7) is False
    await repo.close()


async def test_a_database_from_a_newer_version_is_refused(db_path):
    await (await Repository.open(db_path)).close()
    databases.set_version(db_path, 999)
    with pytest.raises(StorageError, match="newer than this sensus-bot"):
        await Repository.open(db_path)


@pytest.mark.sqlite_only
async def test_a_file_that_is_not_a_database_is_refused(db_path):
    db_path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match="cannot use database"):
        await Repository.open(db_path)


async def test_a_path_in_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(StorageError, match="cannot open database"):
        await Repository.open(tmp_path / "no" / "such" / "folder.db")


async def test_unanswered_questions_are_stored_with_identity_numbers_masked(db_path):
    repo = await Repository.open(db_path)
    await repo.record_unanswered("kk 5371 0123 4567 0001 hilang", "id", "fallback", None, 0.1, NOW)
    kept = await repo.unanswered()
    assert kept[0].text == "kk [angka] hilang"
    await repo.close()


async def test_pruning_compares_moments_not_texts_whatever_offset_they_were_written_in(db_path):
    repo = await Repository.open(db_path)
    wita = ZoneInfo("Asia/Makassar")
    # 10:00 WITA is 02:00 UTC: older than the cut-off at 03:00 UTC, though its text sorts after.
    await repo.record_unanswered(
        "lama", "id", "fallback", None, 0.1, NOW.replace(hour=2).astimezone(wita)
    )
    await repo.record_unanswered("baru", "id", "fallback", None, 0.1, NOW.replace(hour=4))
    keep = Retention(unanswered=timedelta(hours=1))
    pruned = await repo.prune(NOW.replace(hour=4), keep)
    assert pruned["unanswered questions"] == 1
    assert [q.text for q in await repo.unanswered()] == ["baru"]
    await repo.close()


async def test_days_of_the_figures_begin_at_midnight_in_the_bots_zone(db_path):
    repo = await Repository.open(db_path, ZoneInfo("Asia/Makassar"))
    late_evening_utc = datetime(2020, 2, 15, 17, 0, tzinfo=UTC)  # 16 February, 01:00 WITA
    await repo.seen_user(11, "id", late_evening_utc)
    await repo.enqueue(11, 11, "reminder", "k", "reminder:x", late_evening_utc.timestamp())
    await repo.mark_sent(
        [row.id for row in await repo.claim_due(late_evening_utc.timestamp(), 5)],
        late_evening_utc.timestamp(),
    )
    assert await repo.people_by_day(None) == [("2020-02-16", 1, 1)]
    assert await repo.messages_by_day(None) == [("2020-02-16", 1, 1, 0, 0)]
    await repo.close()


async def test_both_engines_migrate_to_the_same_tables_columns_and_indexes(tmp_path, postgres_url):
    for where in (tmp_path / "sensus.db", postgres_url):
        await (await Repository.open(where)).close()
    sqlite, pg = tmp_path / "sensus.db", postgres_url
    assert databases.tables(pg) == databases.tables(sqlite)
    for table in databases.tables(sqlite):
        assert databases.columns(pg, table) == databases.columns(sqlite, table), table
    assert databases.indexes(pg) == databases.indexes(sqlite)
