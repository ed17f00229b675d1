"""Reminders and the outbox sender through the fake Bot API, with a fixed clock and faults."""

import asyncio
import secrets
import sqlite3
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.domain.clock import FixedClock
from offline.fake_telegram import TOKEN, FakeTelegram
from storage.engine import PostgresUrl
from tests.conftest import ADMIN_ID
from tests.databases import rows
from tests.harness import RunningBot, eventually, run_bot, texts_to

WITA = ZoneInfo("Asia/Makassar")
REMINDER = "Berhenti menerima pengingat"  # the footer of every reminder


def wita(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=WITA)


async def subscribe(bot: RunningBot, user_id: int, region: str | None = "Kota Kupang") -> None:
    person = bot.person(user_id)
    await person.send("/start")
    await person.press("Bahasa Indonesia")
    await person.send("/ingatkan")
    await person.press("Aktifkan semua pengingat")
    if region:
        await person.press("Wilayah")
        await person.press(region)
    await person.press("Selesai")


async def tick(bot: RunningBot, clock: FixedClock, moment: datetime) -> None:
    """Move the bot's clock and let the sender look at the queue."""
    clock.moment = moment
    bot.services.wake_sender()
    await asyncio.sleep(0.3)


async def test_each_reminder_arrives_once_at_the_right_local_time(telegram: FakeTelegram, settings):
    clock = FixedClock(wita("2020-02-14T10:00"))
    async with run_bot(telegram, settings, clock) as bot:
        await subscribe(bot, 4001)
        await tick(bot, clock, wita("2020-02-15T06:59"))  # opens 00:00 WIB = 01:00 WITA: quiet
        assert texts_to(telegram, 4001, REMINDER) == []
        await tick(bot, clock, wita("2020-02-15T07:00"))
        await eventually(lambda: len(texts_to(telegram, 4001, REMINDER)) == 1)
        assert "Sensus Penduduk Online sudah dibuka" in texts_to(telegram, 4001, REMINDER)[0]
        assert "/berhenti" in texts_to(telegram, 4001, REMINDER)[0]
        await tick(bot, clock, wita("2020-03-30T13:00"))  # the 7-day and 1-day reminders are due
        await eventually(lambda: len(texts_to(telegram, 4001, REMINDER)) == 3)
        closing = texts_to(telegram, 4001, REMINDER)[1:]
        assert "seminggu lagi: 31 Maret 2020 pukul 23.59 WIB" in closing[0]
        assert closing[1].startswith("🔔 Besok hari terakhir isi sensus online (31 Maret 2020")
        await tick(bot, clock, wita("2020-03-31T09:00"))
        assert len(texts_to(telegram, 4001, REMINDER)) == 3  # nothing twice


async def test_opening_the_reminders_subscribes_nobody_until_they_choose(bot: RunningBot):
    person = bot.person(4020)
    await person.send("/start")
    await person.press("Bahasa Indonesia")
    shown = await person.send("/ingatkan")
    assert "Belum ada pengingat aktif" in shown[0]["text"]
    assert person.buttons()[0] == "✅ Aktifkan semua pengingat"
    assert [b for b in person.buttons() if b.startswith("✅ ")] == ["✅ Aktifkan semua pengingat"]
    await person.press("Selesai")
    assert person.last["text"].startswith("Tidak ada pengingat aktif")
    assert await bot.services.repo.subscriptions(4020) == set()
    assert await bot.services.repo.outbox_status("reminder") == {}
    await person.send("/ingatkan")
    await person.press("Aktifkan semua pengingat")  # one press: everything on
    assert await bot.services.repo.subscriptions(4020) == {"token", "opening", "closing", "field"}
    assert "Aktifkan semua pengingat" not in person.buttons()


async def test_a_reminder_switched_off_and_on_again_still_arrives(telegram, settings):
    clock = FixedClock(wita("2020-02-14T10:00"))
    async with run_bot(telegram, settings, clock) as bot:
        await subscribe(bot, 4021)
        person = bot.person(4021)
        await person.send("/ingatkan")
        await person.press("Sensus online dibuka")  # off
        await person.press("Sensus online dibuka")  # on again
        await person.press("Selesai")
        assert "Sensus online dibuka" in person.last["text"]
        await tick(bot, clock, wita("2020-02-15T07:00"))
        await eventually(lambda: len(texts_to(telegram, 4021, "sudah dibuka")) == 1)


async def test_stop_then_remind_again_requeues_what_was_not_sent_and_nothing_twice(
    telegram, settings
):
    clock = FixedClock(wita("2020-02-14T10:00"))
    async with run_bot(telegram, settings, clock) as bot:
        await subscribe(bot, 4022)
        await tick(bot, clock, wita("2020-02-15T07:00"))
        await eventually(lambda: len(texts_to(telegram, 4022, REMINDER)) == 1)  # the opening
        person = bot.person(4022)
        await person.send("/berhenti")
        await person.send("/ingatkan")
        await person.press("Aktifkan semua pengingat")
        await person.press("Selesai")
        assert person.last["text"].startswith("✅ Pengingat aktif")
        await tick(bot, clock, wita("2020-03-30T13:00"))  # the 7-day and 1-day reminders
        await eventually(lambda: len(texts_to(telegram, 4022, REMINDER)) == 3)
        await tick(bot, clock, wita("2020-03-31T09:00"))
        assert len(texts_to(telegram, 4022, "sudah dibuka")) == 1  # the sent one: not again
        repo = bot.services.repo

        async def recorded() -> bool:  # successes are written in small batches
            return "sending" not in await repo.outbox_status("reminder")

        await eventually(recorded)
        status = await repo.outbox_status("reminder")
        assert status.get("sent") == 3 and status.get("pending", 0) == 1  # the field visit


async def test_stop_cancels_everything_and_blocked_users_are_skipped(telegram, settings):
    clock = FixedClock(wita("2020-02-14T10:00"))
    async with run_bot(telegram, settings, clock) as bot:
        await subscribe(bot, 4002)
        await subscribe(bot, 4003)
        await bot.person(4002).send("/berhenti")
        telegram.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
        await tick(bot, clock, wita("2020-02-15T08:00"))
        await eventually(lambda: not telegram.faults["sendMessage"])
        await asyncio.sleep(0.2)
        repo = bot.services.repo
        blocked = await repo.get_user(4003)
        assert blocked is not None and blocked.blocked
        await tick(bot, clock, wita("2020-03-30T13:00"))
        assert texts_to(telegram, 4002, REMINDER) == [] and texts_to(telegram, 4003, REMINDER) == []
        status = await repo.outbox_status("reminder")
        assert status.get("pending", 0) == 0 and status["blocked"] >= 1


async def test_a_user_who_blocks_the_bot_is_marked_by_my_chat_member(bot: RunningBot):
    person = bot.person(4004)
    await person.send("/start")
    change = {
        "chat": {"id": 4004, "type": "private", "first_name": "Ani"},
        "from": person.user,
        "date": int(time.time()),
        "old_chat_member": {"user": bot.telegram.api.bot_user, "status": "member"},
        "new_chat_member": {"user": bot.telegram.api.bot_user, "status": "kicked", "until_date": 0},
    }
    await bot.processed(await bot.telegram.push({"my_chat_member": change}))
    user = await bot.services.repo.get_user(4004)
    assert user is not None and user.blocked


async def test_429_pauses_all_sending_and_each_message_still_goes_once(telegram, settings):
    clock = FixedClock(wita("2020-03-01T10:00"))
    async with run_bot(telegram, settings, clock) as bot:
        sender = bot.services.sender
        assert sender is not None
        sender.render = lambda row: asyncio.sleep(0, result=f"pesan {row.chat_id}")
        telegram.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        for chat_id in (5001, 5002, 5003):
            await bot.services.repo.enqueue(
                chat_id, None, "test", "t", "test:x", clock.moment.timestamp()
            )
        started = time.monotonic()
        bot.services.wake_sender()
        await eventually(lambda: all(texts_to(telegram, c) for c in (5001, 5002, 5003)), seconds=10)
        assert time.monotonic() - started >= 1.0  # everything waited for retry_after
        assert [len(texts_to(telegram, c)) for c in (5001, 5002, 5003)] == [1, 1, 1]


async def test_5xx_and_network_errors_are_retried_with_backoff(telegram, settings):
    clock = FixedClock(wita("2020-03-01T10:00"))
    async with run_bot(telegram, settings, clock) as bot:
        sender = bot.services.sender
        assert sender is not None
        sender.render = lambda row: asyncio.sleep(0, result="halo")
        telegram.fail("sendMessage", 502, "Bad Gateway", times=2)
        await bot.services.repo.enqueue(5004, None, "test", "t", "test:x", clock.moment.timestamp())
        bot.services.wake_sender()

        def failures_recorded(count: int) -> bool:  # the backoff counts from the failure's time
            query = "SELECT status, attempts FROM outbox WHERE chat_id = 5004"
            return rows(settings.database, query) == [("pending", count)]

        await eventually(lambda: failures_recorded(1))
        await asyncio.sleep(0.3)
        assert len(telegram.faults["sendMessage"]) == 1  # waiting for its backoff
        await tick(bot, clock, wita("2020-03-01T10:01"))  # backoff runs on the bot's clock
        await eventually(lambda: failures_recorded(2))
        assert not telegram.faults["sendMessage"]
        assert texts_to(telegram, 5004) == []
        await tick(bot, clock, wita("2020-03-01T10:02"))
        await eventually(lambda: len(texts_to(telegram, 5004)) == 1)
        for _ in range(100):  # sends are recorded in small batches, within a second
            if await bot.services.repo.outbox_status("test") == {"sent": 1}:
                break
            await asyncio.sleep(0.05)
        assert await bot.services.repo.outbox_status("test") == {"sent": 1}


async def test_a_group_that_became_a_supergroup_is_followed(telegram, settings):
    clock = FixedClock(wita("2020-03-01T10:00"))
    async with run_bot(telegram, settings, clock) as bot:
        sender = bot.services.sender
        assert sender is not None
        sender.render = lambda row: asyncio.sleep(0, result="pengumuman")
        telegram.fail(
            "sendMessage",
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            migrate_to_chat_id=-1005555,
        )
        repo = bot.services.repo
        await repo.enqueue(-555, None, "test", "a", "test:x", clock.moment.timestamp())
        await repo.enqueue(-555, None, "test", "b", "test:y", clock.moment.timestamp() + 60)
        bot.services.wake_sender()
        await eventually(lambda: len(texts_to(telegram, -1005555)) == 1)
        await tick(bot, clock, wita("2020-03-01T10:02"))
        await eventually(lambda: len(texts_to(telegram, -1005555)) == 2)
        assert texts_to(telegram, -555) == []  # the refused attempt never reached the old chat


async def test_a_graceful_restart_in_the_middle_of_a_wave_loses_nothing(telegram, settings):
    clock = FixedClock(wita("2020-03-01T10:00"))
    chats = list(range(6000, 6060))
    async with run_bot(telegram, settings, clock) as bot:
        repo = bot.services.repo
        for chat_id in chats:
            await repo.seen_user(chat_id, "id", clock.moment)
            await repo.enqueue(
                chat_id, chat_id, "reminder", "w", "reminder:online-open", clock.moment.timestamp()
            )
        bot.services.wake_sender()
        await eventually(lambda: sum(bool(texts_to(telegram, c)) for c in chats) >= 20)
    assert sum(bool(texts_to(telegram, c)) for c in chats) < len(chats)  # stopped mid-wave
    async with run_bot(telegram, settings, clock):
        await eventually(lambda: all(texts_to(telegram, c) for c in chats), seconds=15)
    assert [len(texts_to(telegram, c)) for c in chats] == [1] * len(chats)


async def test_admin_applies_the_revised_calendar_and_announces_it(telegram, settings):
    clock = FixedClock(wita("2020-03-25T10:00"))
    async with run_bot(telegram, settings, clock) as bot:
        await subscribe(bot, 4005)
        resident = bot.person(4005)
        refused = await resident.send("/kalender")
        assert refused[0]["text"] == "Maaf, ini hanya untuk petugas sensus yang berwenang."
        admin = bot.person(ADMIN_ID, "Admin")
        await admin.send("/start")
        await admin.press("Bahasa Indonesia")
        await admin.send("/kalender")
        message = admin.last
        # A resident pressing a forged copy of the admin's button changes nothing.
        before = len(telegram.calls)
        await resident.press_data("cal:apply:sp2020-revisi", message)
        assert [c.params.get("show_alert") for c in telegram.calls[before:]] == ["true"]
        assert bot.services.calendar.access == "nik+token"

        await admin.press("Pratinjau: sp2020-revisi")
        assert "Cara masuk: nik+token → nik+kk+password" in admin.last["text"]
        await admin.press("Terapkan")
        assert "Kalender diterapkan" in admin.last["text"]
        assert "Kirim pemberitahuan ini ke 1 pelanggan?" in admin.last["text"]
        shown = await resident.send("kapan sensus online ditutup?")
        assert "29 Mei 2020" in shown[0]["text"]  # answers follow at once
        await admin.press("Kirim pemberitahuan")
        await eventually(
            lambda: bool(texts_to(telegram, 4005, "Jadwal Sensus Penduduk 2020 diperbarui"))
        )
        notice = texts_to(telegram, 4005, "diperbarui")[0]
        assert "15 Februari 2020 s.d. 29 Mei 2020" in notice
        await admin.press_data("cal:announce:1", message)
        await asyncio.sleep(0.3)
        assert len(texts_to(telegram, 4005, "diperbarui")) == 1  # once per revision


async def test_schedule_marks_past_current_and_next(telegram, settings):
    clock = FixedClock(wita("2020-02-20T10:00"))
    async with run_bot(telegram, settings, clock) as bot:
        ani = bot.person(4006)
        shown = await ani.send("/jadwal")
        text = shown[0]["text"]
        assert "✅ Pengiriman token lewat SMS (selesai)" in text
        assert "▶️ Sensus Penduduk Online (sedang berlangsung, tinggal 41 hari)" in text
        assert "⏭ Petugas sensus datang ke rumah (berikutnya)" in text
        # the official last day (23.59 WIB), the same date the answers give, not 1 April WITA
        assert "15 Februari 2020 s.d. 31 Maret 2020" in text and "1 April" not in text
        assert "Hari ini: Kamis, 20 Februari 2020 · waktu WITA" in text


async def queue_for_later(bot: RunningBot, clock: FixedClock, chats: list[int]) -> None:
    """One message for each chat, due a minute from the bot's now, sent as the text "info"."""
    sender = bot.services.sender
    assert sender is not None
    sender.render = lambda row: asyncio.sleep(0, result="info")
    later = clock.moment.timestamp() + 60
    for chat_id in chats:
        await bot.services.repo.enqueue(chat_id, None, "test", "t", "test:x", later)


@pytest.mark.sqlite_only
async def test_the_sender_rides_out_a_database_locked_from_outside(telegram, settings, caplog):
    clock = FixedClock(wita("2020-03-01T10:00"))
    chats = list(range(5100, 5130))
    async with run_bot(telegram, settings, clock) as bot:
        await queue_for_later(bot, clock, chats)
        with sqlite3.connect(settings.database, isolation_level=None) as other:
            other.execute("BEGIN IMMEDIATE")  # another process writing, for 7 seconds
            await tick(bot, clock, wita("2020-03-01T10:02"))
            await asyncio.sleep(7)
            other.execute("COMMIT")
        await eventually(lambda: all(texts_to(telegram, c) for c in chats), seconds=40)
        assert [len(texts_to(telegram, c)) for c in chats] == [1] * len(chats)
    assert any("database is locked" in r.getMessage() for r in caplog.records)


async def test_the_sender_rides_out_lost_postgresql_connections(telegram, postgres_url, caplog):
    name = f"sensus-{secrets.token_hex(4)}"  # the bot's connections, and nobody else's
    url = PostgresUrl(f"{postgres_url.url}&application_name={name}")
    settings = Settings(token=TOKEN, api_url=telegram.url, database=url)
    clock = FixedClock(wita("2020-03-01T10:00"))
    chats = list(range(5200, 5230))
    async with run_bot(telegram, settings, clock) as bot:
        await queue_for_later(bot, clock, chats)
        cut = rows(
            postgres_url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ?",
            (name,),
        )
        assert cut and all(ok for (ok,) in cut)  # the server restarted, say
        await tick(bot, clock, wita("2020-03-01T10:02"))
        await eventually(lambda: all(texts_to(telegram, c) for c in chats), seconds=40)
        assert [len(texts_to(telegram, c)) for c in chats] == [1] * len(chats)

        async def all_recorded() -> bool:  # the last batch is recorded after its sends
            return await bot.services.repo.outbox_status() == {"sent": len(chats)}

        await eventually(all_recorded, seconds=10)
        assert [len(texts_to(telegram, c)) for c in chats] == [1] * len(chats)
    assert any("the database answers again" in r.getMessage() for r in caplog.records)
