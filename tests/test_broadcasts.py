"""Staff broadcasts: exact audience, languages with fallback, once each; refusals; the CLI."""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.audience import Audience, parse_audience
from bot.domain.broadcasts import phase_of, steered_status
from bot.domain.calendar import parse_send_time
from bot.domain.clock import FixedClock
from offline.processes import seed_broadcast
from storage import Repository
from storage.engine import setting
from tests.conftest import ADMIN_ID
from tests.harness import (
    Person,
    RunningBot,
    eventually,
    run_bot,
    run_cli,
    texts_to,
)


async def resident(bot: RunningBot, user_id: int, language: str, region: str | None) -> Person:
    person = bot.person(user_id)
    await person.send("/start")
    await person.press(language)
    if region:
        await bot.services.repo.set_region(user_id, region, "Asia/Makassar")
    return person


async def test_a_broadcast_to_a_language_reaches_exactly_those_users_once(bot: RunningBot):
    admin = await resident(bot, ADMIN_ID, "Bahasa Indonesia", None)
    kupang = await resident(bot, 9001, "Bahasa Kupang", "53.71")
    english = await resident(bot, 9002, "English", "53.71")
    stopped = await resident(bot, 9003, "Bahasa Kupang", "53.71")
    await stopped.send("/berhenti")
    await admin.send("/siaran Besok petugas datang ke Oebufu & <sekitarnya>.")
    shown = await admin.press("Pengguna Bahasa Kupang")
    assert "Penerima: 1 (lang:mkn)" in shown[0]["text"]  # the one who stopped is left out
    await admin.press("Kirim sekarang")
    await eventually(lambda: bool(texts_to(bot.telegram, 9001, "Besok petugas")))
    await asyncio.sleep(0.3)
    sent = texts_to(bot.telegram, 9001, "Besok petugas")
    assert len(sent) == 1 and "&lt;sekitarnya&gt;" in sent[0] and "/berhenti" in sent[0]
    assert texts_to(bot.telegram, 9002, "Besok petugas") == []
    assert texts_to(bot.telegram, 9003, "Besok petugas") == []
    for _ in range(50):  # the sender records sends in small batches, within a second
        broadcast = (await bot.services.repo.recent_broadcasts())[0]
        if broadcast.figures == {"sent": 1}:
            break
        await asyncio.sleep(0.05)
    shown = await admin.send("/siaran_status")
    assert shown[0]["text"] == "#1 · lang:mkn · queued · terkirim 1 · gagal 0 · diblokir 0 · sisa 0"
    del kupang, english


async def test_residents_and_forged_buttons_are_refused(bot: RunningBot):
    person = await resident(bot, 9010, "Bahasa Indonesia", None)
    shown = await person.send("/siaran halo semua")
    assert shown[0]["text"] == "Maaf, ini hanya untuk petugas sensus yang berwenang."
    before = len(bot.telegram.calls)
    await person.press_data("bc:send:1", person.last)
    assert [c.params.get("show_alert") for c in bot.telegram.calls[before:]] == ["true"]
    assert await bot.services.repo.recent_broadcasts() == []


async def test_a_regency_broadcast_with_an_english_variant_reaches_exactly_its_people_once(
    bot: RunningBot,
):
    admin = await resident(bot, ADMIN_ID, "Bahasa Indonesia", None)
    await resident(bot, 9021, "English", "53.71")
    await resident(bot, 9022, "Bahasa Kupang", "53.71")
    await resident(bot, 9023, "Bahasa Indonesia", "53.71")
    await resident(bot, 9024, "English", "53.01")  # Kabupaten Kupang, not the city
    await admin.send("/siaran Petugas datang besok pagi.")
    await admin.press("Satu wilayah")
    shown = await admin.press("Kota Kupang")
    assert "Penerima: 3 (region:53.71)" in shown[0]["text"]
    prompt = (await admin.press("Teks English"))[0]
    assert bot.telegram.calls[-1].params["reply_markup"] == {"force_reply": True}
    shown = await admin.send("Officers visit tomorrow morning.", reply_to=prompt)
    assert "Teks tertulis: English, Bahasa Indonesia" in shown[0]["text"]
    await admin.press("Kirim sekarang")
    await eventually(lambda: bool(texts_to(bot.telegram, 9023, "Petugas datang besok")))
    await asyncio.sleep(0.3)
    assert len(texts_to(bot.telegram, 9021, "Officers visit tomorrow")) == 1
    for indonesian_reader in (9022, 9023):  # Kupang Malay falls back to Indonesian
        assert len(texts_to(bot.telegram, indonesian_reader, "Petugas datang besok")) == 1
    assert texts_to(bot.telegram, 9024, "Officers visit") == []
    late = await admin.send("Too late.", reply_to=prompt)
    assert late[0]["text"] == "Siaran ini sudah dikirim atau dibatalkan."


async def test_a_broadcast_to_reminder_subscribers_can_be_scheduled(bot: RunningBot):
    admin = await resident(bot, ADMIN_ID, "Bahasa Indonesia", None)
    await resident(bot, 9031, "Bahasa Indonesia", "53.71")
    await resident(bot, 9032, "Bahasa Indonesia", "53.71")
    await bot.services.repo.subscribe(9031, "token")
    await admin.send("/siaran Token dikirim minggu depan.")
    await admin.press("Pelanggan satu pengingat")
    shown = await admin.press("Token dikirim")
    assert "Penerima: 1 (reminder:token)" in shown[0]["text"]
    prompt = (await admin.press("Jadwalkan"))[0]
    shown = await admin.send("kemarin", reply_to=prompt)
    assert shown[0]["text"].startswith("Waktunya tidak terbaca atau sudah lewat.")
    zone = bot.services.settings.timezone
    moment = (datetime.now(zone) + timedelta(days=2)).replace(
        hour=8, minute=0, second=0, microsecond=0
    )
    shown = await admin.send(moment.strftime("%Y-%m-%d %H.%M"), reply_to=prompt)
    assert shown[0]["text"].startswith("🕒 Siaran #1 dijadwalkan")
    assert "untuk 1 penerima" in shown[0]["text"]
    broadcast = (await bot.services.repo.recent_broadcasts())[0]
    assert broadcast.not_before == moment.timestamp()
    assert broadcast.figures == {"pending": 1}
    await asyncio.sleep(0.3)
    assert texts_to(bot.telegram, 9031, "Token dikirim minggu") == []


def test_cli_broadcast_to_a_region_with_language_variants(tmp_path, db_path):
    db = db_path

    async def seed() -> None:
        repo = await Repository.open(db)
        now = datetime(2020, 3, 1, tzinfo=UTC)
        for user_id, lang, region in [(1, "mkn", "53.71"), (2, "en", "53.01"), (3, "id", "31.71")]:
            await repo.seen_user(user_id, lang, now)
            await repo.set_region(user_id, region, "Asia/Makassar")
        await repo.close()

    asyncio.run(seed())
    (tmp_path / "id.txt").write_text("Jadwal sensus berubah.")
    (tmp_path / "mkn.txt").write_text("Jadwal sensus su berubah.")
    env = {"SENSUS_DB": setting(db)}
    variant = f"mkn={tmp_path / 'mkn.txt'}"
    text = str(tmp_path / "id.txt")
    command = ["broadcast", "--text-file", text, "--lang-file", variant, "--to", "region:53"]
    result = run_cli(*command, "--yes", env=env)
    assert "2 recipients (region:53)" in result.stdout and "queued for 2" in result.stdout
    status = run_cli("broadcast", "status", env=env)
    assert '#1 region:53 queued {"pending": 2}' in status.stdout


async def test_progress_is_edited_in_place_and_a_broadcast_can_be_paused_and_resumed(
    bot: RunningBot, monkeypatch
):
    monkeypatch.setattr("handlers.broadcasts.PROGRESS_EVERY", 0.2)
    admin = await resident(bot, ADMIN_ID, "Bahasa Indonesia", None)
    for user_id in range(9100, 9104):
        await resident(bot, user_id, "Bahasa Indonesia", "53.71")
    sender = bot.services.sender
    assert sender is not None
    await sender.stop()  # hold sending, to pause before anything goes out
    await admin.send("/siaran Rapat RT malam ini.")
    await admin.press("Satu wilayah")
    await admin.press("Seluruh Nusa Tenggara Timur")
    await admin.press("Kirim sekarang")
    await admin.press("Jeda")
    assert "#1 · paused" in admin.last["text"]
    await sender.start()
    await asyncio.sleep(0.5)
    assert all(texts_to(bot.telegram, u, "Rapat RT") == [] for u in range(9100, 9104))
    await admin.press("Lanjutkan")
    await eventually(lambda: all(texts_to(bot.telegram, u, "Rapat RT") for u in range(9100, 9104)))
    await eventually(lambda: admin.last["text"].startswith("✅ Siaran #1 selesai"))
    assert admin.last["text"].startswith("✅ Siaran #1 selesai: terkirim 4")


async def test_a_broadcast_under_faults_reaches_every_deliverable_chat_exactly_once(
    telegram, settings
):
    clock = FixedClock(datetime(2020, 3, 1, 2, tzinfo=UTC))  # 10:00 WITA
    people = list(range(20_000, 20_300))
    groups = {-3000 - n: -1_003_000 - n for n in range(3)}  # old id -> supergroup id
    telegram.server_error_rate = 0.02
    telegram.blocked_chats = {20_005, 20_105, 20_205}
    telegram.migrated_chats = dict(groups)
    fast = replace(settings, send_rate=300.0, paid_broadcast=True)
    async with run_bot(telegram, fast, clock) as bot:
        repo = bot.services.repo
        for user_id in people:
            await repo.seen_user(user_id, "id", clock.moment)
        for chat_id in groups:
            await repo.save_group(chat_id, "RT", "member", clock.moment)
            await repo.enqueue(
                chat_id, None, "broadcast", "broadcast:1", "broadcast:1", clock.now().timestamp()
            )
        broadcast = await repo.create_broadcast(
            "cli", {"id": "Info"}, "all", clock.now().timestamp(), clock.moment
        )
        await repo.queue_broadcast(broadcast, Audience("all"))
        bot.services.wake_sender()
        deliverable = [p for p in people if p not in telegram.blocked_chats] + list(groups.values())

        def delivered() -> list[int]:
            return [
                c.chat_id
                for c in telegram.calls
                if c.method == "sendMessage" and c.chat_id is not None
            ]

        for _ in range(40):  # 5xx retries wait for their backoff on the bot's clock
            if set(deliverable) <= set(delivered()):
                break
            clock.moment += timedelta(minutes=1)
            bot.services.wake_sender()
            await asyncio.sleep(0.25)
        sent = delivered()
        assert set(deliverable) <= set(sent)
        assert len(sent) == len(set(sent))  # nobody twice
        for blocked in telegram.blocked_chats:
            user = await repo.get_user(blocked)
            assert user is not None and user.blocked
        assert {g.chat_id for g in [await repo.group(n) for n in groups.values()] if g} == set(
            groups.values()
        )


WITA = ZoneInfo("Asia/Makassar")
NOW = datetime(2020, 3, 1, 2, tzinfo=UTC)  # 10:00 WITA


@pytest.mark.parametrize(
    ("typed", "local"),
    [
        ("2020-03-02 08:00", datetime(2020, 3, 2, 8, 0)),
        ("2/3/2020 08.30", datetime(2020, 3, 2, 8, 30)),
        ("02-03-2020  8:05", datetime(2020, 3, 2, 8, 5)),
        ("14:00", datetime(2020, 3, 1, 14, 0)),  # later today
        ("09:00", datetime(2020, 3, 2, 9, 0)),  # already past today: tomorrow
    ],
)
def test_staff_can_type_a_sending_time_in_common_ways(typed, local):
    assert parse_send_time(typed, NOW, WITA) == local.replace(tzinfo=WITA)


@pytest.mark.parametrize("typed", ["2020-02-28 08:00", "besok", "25:00", ""])
def test_past_or_unreadable_sending_times_are_refused(typed):
    assert parse_send_time(typed, NOW, WITA) is None


def test_audiences_are_checked():
    languages = frozenset({"id", "en", "mkn"})
    assert str(parse_audience("reminder:token", languages)) == "reminder:token"
    for wrong in ("reminder:lottery", "region:kupang", "lang:fr", "all:53", "everyone"):
        with pytest.raises(ValueError):
            parse_audience(wrong, languages)


def alerts(bot: RunningBot, since: int) -> list[str]:
    """Texts of the callback answers the bot gave since call ``since``."""
    return [
        str(c.params.get("text"))
        for c in bot.telegram.calls[since:]
        if c.method == "answerCallbackQuery" and c.params.get("text")
    ]


async def test_steering_follows_the_broadcast_phase(bot: RunningBot):
    admin = await resident(bot, ADMIN_ID, "Bahasa Indonesia", None)
    await resident(bot, 9201, "Bahasa Indonesia", "53.71")
    sender = bot.services.sender
    assert sender is not None
    await sender.stop()  # nothing goes out while the first broadcast is steered
    await admin.send("/siaran Rapat RT dibatalkan.")
    await admin.press("Semua warga")
    await admin.press("Kirim sekarang")
    progress = admin.last
    await admin.press("Batalkan")
    assert "#1 · cancelled" in admin.last["text"] and admin.buttons(admin.last) == []
    repo = bot.services.repo
    for action in ("resume", "cancel", "pause"):
        before = len(bot.telegram.calls)
        await admin.press_data(f"bc:{action}:1", progress)
        assert alerts(bot, before) == ["Siaran #1 sudah dibatalkan; tidak ada yang diubah."]
        broadcast = await repo.broadcast(1)
        assert broadcast is not None and broadcast.status == "cancelled"
        assert broadcast.figures == {"cancelled": 2}  # the admin and the resident

    await sender.start()
    await admin.send("/siaran Rapat RT besok.")
    await admin.press("Semua warga")
    await admin.press("Kirim sekarang")
    await eventually(lambda: bool(texts_to(bot.telegram, 9201, "Rapat RT besok")))
    for _ in range(50):  # the sender records sends in small batches
        finished = await repo.broadcast(2)
        if finished is not None and finished.phase == "finished":
            break
        await asyncio.sleep(0.05)
    before = len(bot.telegram.calls)
    await admin.press_data("bc:pause:2", progress)
    assert alerts(bot, before) == ["Siaran #2 sudah selesai; tidak ada yang diubah."]
    broadcast = await repo.broadcast(2)
    assert broadcast is not None and broadcast.status == "queued"
    before = len(bot.telegram.calls)
    await admin.press_data("bc:resume:2", progress)
    assert alerts(bot, before) == ["Siaran #2 sudah selesai; tidak ada yang diubah."]


def test_cli_steering_follows_the_broadcast_phase(db_path):
    db = db_path
    asyncio.run(seed_broadcast(db, [1, 2]))
    env = {"SENSUS_DB": setting(db)}
    paused = run_cli("broadcast", "pause", "1", env=env)
    assert "broadcast #1 is paused" in paused.stdout
    again = run_cli("broadcast", "pause", "1", env=env, check=False)
    assert again.returncode != 0
    assert again.stderr.strip().endswith("broadcast #1 is paused; nothing to pause")
    run_cli("broadcast", "cancel", "1", env=env)
    resumed = run_cli("broadcast", "resume", "1", env=env, check=False)
    assert resumed.returncode != 0 and "is cancelled; nothing to resume" in resumed.stderr
    assert '#1 all cancelled {"cancelled": 2}' in run_cli("broadcast", "status", env=env).stdout
    missing = run_cli("broadcast", "cancel", "7", env=env, check=False)
    assert missing.returncode != 0 and "no broadcast #7" in missing.stderr


@pytest.mark.parametrize(
    ("status", "figures", "action", "after"),
    [
        ("queued", {"pending": 3}, "pause", "paused"),
        ("paused", {"paused": 3}, "resume", "queued"),
        ("paused", {"paused": 3}, "cancel", "cancelled"),
        ("draft", {}, "cancel", "cancelled"),
        ("cancelled", {"cancelled": 3}, "resume", None),
        ("cancelled", {"cancelled": 3}, "cancel", None),
        ("queued", {"sent": 3}, "pause", None),  # finished
        ("queued", {"sent": 3}, "cancel", None),
        ("queued", {"pending": 3}, "resume", None),
        ("paused", {"paused": 3}, "pause", None),
        ("draft", {}, "pause", None),
    ],
)
def test_the_broadcast_state_machine(status, figures, action, after):
    assert steered_status(phase_of(status, figures), action) == after


@pytest.mark.parametrize("forged", ["fr", "id", "xx"])
async def test_a_reply_to_a_variant_prompt_takes_only_the_offered_languages(
    bot: RunningBot, forged: str
):
    admin = await resident(bot, ADMIN_ID, "Bahasa Indonesia", None)
    await admin.send("/siaran Petugas datang besok pagi.")
    await admin.press("Semua warga")
    prompt = (await admin.press("Teks English"))[0]
    forged_prompt = dict(prompt, text=prompt["text"].replace("[en]", f"[{forged}]"))
    shown = await admin.send("Texte falsifié.", reply_to=forged_prompt)
    assert shown[0]["text"] == (
        "Bahasa ini tidak dipakai bot ini. Pilih bahasa dari tombol ➕ di pratinjau."
    )
    assert await bot.services.repo.broadcast_texts(1) == {"id": "Petugas datang besok pagi."}
