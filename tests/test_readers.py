"""One recipient resolver: a person's language and zone reach every text the bot shows them."""

import asyncio
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from limits import parse

from bot.config import Settings
from bot.domain.clock import FixedClock
from bot.outbox.content import Broadcast, pack
from offline.fake_telegram import FakeTelegram
from storage import Repository
from tests.conftest import DURING_ONLINE
from tests.harness import eventually, ready, run_bot, texts_to

WITA = ZoneInfo("Asia/Makassar")
REMINDER = "Berhenti menerima pengingat: /berhenti"  # the footer of every reminder


async def test_a_resident_in_wit_sees_wit_in_answers_guide_schedule_privacy_and_reminders(
    telegram: FakeTelegram, settings: Settings
):
    clock = FixedClock(DURING_ONLINE)  # 10 March 2020, 11.00 WIT
    async with run_bot(telegram, settings, clock) as bot:
        yan = bot.person(7501, "Yan")
        await ready(yan)
        await yan.send("/ingatkan")
        await yan.press("Aktifkan semua pengingat")
        await yan.press("Wilayah")
        await yan.press("Provinsi lain")
        await yan.press("Papua Barat")
        await yan.press("Kabupaten Sorong")
        await yan.press("Selesai")

        answer = (await yan.send("kapan sensus online ditutup"))[0]["text"]
        guide = (await yan.send("/panduan"))[0]["text"]
        schedule = (await yan.send("/jadwal"))[0]["text"]
        privacy = (await yan.send("/privasi"))[0]["text"]
        # The online census closes 31 March 23.59 WIB: 1 April 01.59 in Sorong.
        assert "1 April 2020 01.59 WIT" in answer
        assert "1 April 2020 01.59 WIT" in guide
        assert "waktu WIT" in schedule
        assert "11.00" in privacy  # first seen at 11.00 WIT (10.00 in WITA)

        clock.moment = datetime(2020, 3, 30, 13, tzinfo=WITA)  # the 7- and 1-day reminders
        bot.services.wake_sender()
        await eventually(lambda: len(texts_to(telegram, 7501, REMINDER)) == 2)
        reminders = texts_to(telegram, 7501, REMINDER)
        assert all("1 April 2020 01.59 WIT" in text for text in reminders), reminders
        for text in [answer, guide, schedule, *reminders]:
            assert "WITA" not in text


async def test_groups_get_broadcasts_in_the_default_language(
    telegram: FakeTelegram, settings: Settings
):
    english = replace(settings, default_lang="en")
    repo = await Repository.open(settings.database)
    texts = {"id": "Petugas datang besok.", "en": "Officers visit tomorrow."}
    broadcast = await repo.create_broadcast("staff", texts, "rt-groups", 0.0, DURING_ONLINE)
    await repo.enqueue(-4100, None, "broadcast", "b", pack(Broadcast(broadcast)), 0.0)
    await repo.close()
    async with run_bot(telegram, english, FixedClock(DURING_ONLINE)):
        await eventually(lambda: bool(texts_to(telegram, -4100)))
        sent = texts_to(telegram, -4100)[0]
        assert "Officers visit tomorrow." in sent and "Census" in sent, sent


async def test_a_flood_notice_to_a_stranger_is_in_the_default_language(
    telegram: FakeTelegram, settings: Settings
):
    strict = replace(settings, default_lang="en", flood_button_limit=parse("2/minute"))
    async with run_bot(telegram, strict) as bot:
        stranger = bot.person(7601, "Tamu", "xx")  # never wrote to the bot privately
        group = {"id": -4200, "type": "group", "title": "RT 01"}
        card = {"message_id": 1, "date": 0, "chat": group, "text": "kartu"}
        for _ in range(3):
            payload = telegram.api.button_press(stranger.user, card, "faq:show:online-when")
            await bot.processed(await telegram.push(payload))
        await asyncio.sleep(0)
        alerts = [
            str(c.params.get("text"))
            for c in telegram.calls
            if c.method == "answerCallbackQuery" and c.params.get("show_alert")
        ]
        assert alerts == [
            "Easy there 🙏 The buttons are being pressed too fast. Try again in a moment."
        ]
