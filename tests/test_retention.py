"""Retention: the running bot prunes what it keeps no longer, never what is still needed."""

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import ConfigError, load_settings
from bot.domain.audience import Audience
from bot.domain.clock import FixedClock
from storage import Repository
from tests.databases import rows
from tests.harness import eventually, run_bot

NOW = datetime(2020, 9, 15, 10, 0, tzinfo=ZoneInfo("Asia/Makassar"))


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


async def sent(repo: Repository, chat_id: int, key: str, when: datetime, expires=None) -> None:
    """A message to ``chat_id`` that went out ``when``."""
    cause = key.split(":", 1)[0]
    await repo.enqueue(chat_id, chat_id, cause, key, key, when.timestamp(), expires)
    (row,) = [r for r in await repo.claim_due(when.timestamp(), 100) if r.chat_id == chat_id]
    await repo.mark_sent([row.id], when.timestamp())


async def seed(db) -> dict[str, int]:
    """A season's worth of rows of every kind, old and recent; returns some ids."""
    repo = await Repository.open(db)
    for text, days in (("lama sekali", 200), ("baru", 100)):
        await repo.record_unanswered(text, "id", "fallback", None, 0.1, ago(days))
    done = await repo.create_broadcast("1", {"id": "Selesai"}, "all", 0.0, ago(100))
    running = await repo.create_broadcast("1", {"id": "Berjalan"}, "all", 0.0, ago(100))
    for broadcast in (done, running):  # queued (their rows are added below)
        await repo.queue_broadcast(broadcast, Audience("all"))  # no one yet
    await sent(repo, 11, f"broadcast:{done}", ago(100))
    await sent(repo, 12, f"broadcast:{running}", ago(100))
    await repo.enqueue(13, 13, "broadcast", f"broadcast:{running}", "x", NOW.timestamp() + 60)
    await sent(repo, 14, "reminder:old", ago(100), expires=ago(95).timestamp())
    await sent(repo, 15, "reminder:open", ago(100), expires=NOW.timestamp() + 86400)
    await sent(repo, 16, "calendar-change:1", ago(100))
    await repo.enqueue(17, 17, "reminder", "reminder:later", "x", ago(100).timestamp())
    old_draft = await repo.create_broadcast("1", {"id": "Draf lama"}, "all", 0.0, ago(20))
    new_draft = await repo.create_broadcast("1", {"id": "Draf baru"}, "all", 0.0, ago(5))
    preview = await repo.add_announcement(1, "Pratinjau", ago(20))
    posted = await repo.add_announcement(1, "Terkirim", ago(20))
    await sent(repo, -100, f"announcement:{posted}", ago(20))
    await repo.add_invitation("a" * 64, "RT 1", "53.71", 1, ago(47), expires=ago(40))
    await repo.add_invitation("b" * 64, "RT 2", "53.71", 1, ago(17), expires=ago(10))
    await repo.grant_role(21, "staff", 1, ago(400))
    await repo.grant_role(22, "staff", 1, ago(100))
    await repo.close()
    return {"old_draft": old_draft, "new_draft": new_draft, "preview": preview, "posted": posted}


async def test_the_bot_prunes_old_rows_at_start_and_keeps_what_is_needed(telegram, settings):
    ids = await seed(settings.database)
    db = settings.database
    async with run_bot(telegram, settings, FixedClock(NOW)):
        await eventually(lambda: rows(db, "SELECT COUNT(*) FROM role_audit") == [(3,)])
    assert rows(db, "SELECT text FROM unanswered_questions") == [("baru",)]
    assert rows(db, "SELECT chat_id FROM outbox ORDER BY chat_id") == [
        (-100,),  # an announcement 20 days ago
        (12,),  # a running broadcast: its figures still count the sent row
        (13,),
        (15,),  # its event is not over: kept, so it is never planned and sent again
        (16,),  # calendar notice: keeps the revision from being announced twice
        (17,),  # not sent yet
    ]
    assert rows(db, "SELECT id FROM broadcasts WHERE status = 'draft'") == [(ids["new_draft"],)]
    assert len(rows(db, "SELECT id FROM broadcasts")) == 3  # queued ones are staff's record
    assert (ids["old_draft"],) not in rows(db, "SELECT broadcast_id FROM broadcast_texts")
    assert rows(db, "SELECT id FROM announcements") == [(ids["posted"],)]
    assert rows(db, "SELECT area FROM rt_invitations") == [("RT 2",)]
    # 400 days: gone; kept: granting staff 22, inviting RT 2, and one of the other two
    actions = rows(db, "SELECT action, target FROM role_audit ORDER BY id")
    assert ("grant-staff", "21") not in actions and ("grant-staff", "22") in actions


async def test_retention_periods_follow_the_settings(telegram, settings):
    await seed(settings.database)
    shorter = replace(settings.retention, unanswered=timedelta(days=30))
    async with run_bot(telegram, replace(settings, retention=shorter), FixedClock(NOW)):
        await eventually(
            lambda: rows(settings.database, "SELECT * FROM unanswered_questions") == []
        )


def test_retention_settings_are_days_and_checked():
    settings = load_settings({"SENSUS_KEEP_UNANSWERED_DAYS": "60"})
    assert settings.retention.unanswered == timedelta(days=60)
    assert settings.retention.audit == timedelta(days=365)
    with pytest.raises(ConfigError, match="SENSUS_KEEP_OUTBOX_DAYS: expected a number of days"):
        load_settings({"SENSUS_KEEP_OUTBOX_DAYS": "soon"})
