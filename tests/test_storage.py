"""The repository on real SQLite files."""

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from storage import Repository, StorageError
from storage.repository import migrations

NOW = datetime(2020, 2, 15, 8, 0, tzinfo=UTC)


async def test_a_new_database_is_migrated_to_the_latest_version_in_wal_mode(db_path):
    repo = await Repository.open(db_path)
    assert await repo.schema_version() == migrations()[-1][0]
    await repo.close()
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


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
    with sqlite3.connect(db_path) as raw:
        raw.execute("PRAGMA user_version = 999")
    with pytest.raises(StorageError, match="newer than this sensus-bot"):
        await Repository.open(db_path)


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
