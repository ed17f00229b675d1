"""The core conversation through the fake Bot API: /start, languages, privacy, deletion."""

from offline.fake_telegram import FakeTelegram
from tests.harness import RunningBot, run_bot

MENU_EN = [
    "❓ Question topics",
    "📝 Filling-in guide",
    "📅 Schedule",
    "🔔 Reminders",
    "🌐 Language",
    "🔒 Privacy",
    "ℹ️ Help",
    "🙋 Ask the staff",
]


async def test_first_start_offers_languages_then_answers_in_the_chosen_one(bot: RunningBot):
    ani = bot.person(1001, "Ani")
    shown = await ani.send("/start")
    assert len(shown) == 1
    assert ani.buttons() == ["Bahasa Indonesia", "English", "Bahasa Kupang"]

    shown = await ani.press("English")
    assert shown[0]["text"] == "✅ Language: English"
    assert "Hello Ani!" in shown[-1]["text"]
    assert "<b>" not in shown[-1]["text"]  # sent as HTML and parsed by the API
    assert "never store your NIK" in shown[-1]["text"]
    assert ani.buttons() == MENU_EN

    shown = await ani.send("/bantuan")
    assert "What I can help with" in shown[0]["text"]


async def test_language_is_remembered_after_a_restart(telegram: FakeTelegram, settings):
    async with run_bot(telegram, settings) as first:
        budi = first.person(1002, "Budi")
        await budi.send("/start")
        await budi.press("English")
    async with run_bot(telegram, settings) as second:
        budi = second.person(1002, "Budi")
        shown = await budi.send("/start")
        assert "Hello Budi!" in shown[0]["text"]
        assert budi.buttons()[0] == "❓ Question topics"


async def test_kupang_malay_user_sees_kupang_texts_and_indonesian_for_the_rest(bot: RunningBot):
    yos = bot.person(1003, "Yos")
    await yos.send("/start")
    shown = await yos.press("Bahasa Kupang")
    assert "Beta ni asisten" in shown[-1]["text"]
    shown = await yos.send("/privasi")
    assert "Lu pung data yang beta simpan" in shown[0]["text"]


async def test_language_guess_comes_from_the_telegram_app_language(bot: RunningBot):
    mary = bot.person(1004, "Mary", language_code="en-GB")
    await mary.send("/start")
    stored = await bot.services.repo.get_user(1004)
    assert stored is not None and stored.lang == "en" and not stored.lang_chosen


async def test_change_language_from_the_menu(bot: RunningBot):
    ani = bot.person(1005)
    await ani.send("/start")
    await ani.press("Bahasa Indonesia")
    await ani.press("Bahasa")
    shown = await ani.press("English")
    assert shown[0]["text"] == "✅ Language: English"
    assert ani.buttons(shown[0]) == MENU_EN


async def test_privacy_shows_what_is_stored(bot: RunningBot):
    ani = bot.person(1006)
    await ani.send("/start")
    await ani.press("English")
    shown = await ani.send("/privacy")
    text = shown[0]["text"]
    assert "Telegram ID: 1006" in text
    assert "Language: English" in text
    assert "Ani" not in text


async def test_delete_data_after_confirmation_removes_the_user(bot: RunningBot):
    ani = bot.person(1007)
    await ani.send("/start")
    await ani.press("Bahasa Indonesia")
    await ani.send("/hapusdata")
    assert await bot.services.repo.get_user(1007) is not None
    shown = await ani.press("Ya, hapus semua")
    assert "sudah dihapus" in shown[0]["text"]
    assert await bot.services.repo.get_user(1007) is None


async def test_delete_data_cancelled_keeps_the_user(bot: RunningBot):
    ani = bot.person(1008)
    await ani.send("/start")
    await ani.press("Bahasa Indonesia")
    await ani.send("/hapusdata")
    shown = await ani.press("Batal")
    assert "tidak dihapus" in shown[0]["text"]
    assert await bot.services.repo.get_user(1008) is not None


async def test_unknown_command_gets_the_menu(bot: RunningBot):
    ani = bot.person(1009)
    shown = await ani.send("/tidakada")
    assert "belum mengerti" in shown[0]["text"]
    assert "🌐 Bahasa" in ani.buttons()


async def test_sticker_photo_and_edited_messages_are_handled_quietly(bot: RunningBot):
    ani = bot.person(1010)
    api = bot.telegram.api
    sticker = api.incoming_message(ani.user, "x")
    del sticker["message"]["text"]
    sticker["message"]["sticker"] = {
        "file_id": "s1",
        "file_unique_id": "s1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    await bot.processed(await bot.telegram.push(sticker))
    assert "hanya bisa membaca pesan teks" in ani.last["text"]

    before = len(bot.telegram.calls)
    edited = api.incoming_message(ani.user, "teks yang diubah")
    edited["edited_message"] = edited.pop("message")
    await bot.processed(await bot.telegram.push(edited))
    assert [c.method for c in bot.telegram.calls[before:]] == []


async def test_group_chatter_is_ignored(bot: RunningBot):
    api = bot.telegram.api
    group = {"id": -500, "type": "group", "title": "RT 03"}
    person = {"id": 1011, "is_bot": False, "first_name": "Ina"}
    before = len(bot.telegram.calls)
    update_id = await bot.telegram.push(api.incoming_message(person, "halo semua", chat=group))
    await bot.processed(update_id)
    assert bot.telegram.calls[before:] == []
    assert await bot.services.repo.get_user(1011) is None


async def test_unknown_and_forged_buttons_get_a_quiet_answer(bot: RunningBot):
    ani = bot.person(1012)
    await ani.send("/start")
    message = ani.last
    for data in ["nonsense", "lang:set:xx", "privacy:delete:maybe", "a" * 64]:
        before = len(bot.telegram.calls)
        await ani.press_data(data, message)
        methods = [c.method for c in bot.telegram.calls[before:]]
        assert methods == ["answerCallbackQuery"], data
    stored = await bot.services.repo.get_user(1012)
    assert stored is not None and not stored.lang_chosen


async def test_an_error_gets_an_apology_in_the_users_language(bot: RunningBot):
    ani = bot.person(1013)
    await ani.send("/start")
    await ani.press("English")
    bot.telegram.fail("sendMessage", 500, "Internal Server Error")
    shown = await ani.send("/privacy")
    assert [m["text"] for m in shown] == [
        "Sorry, something went wrong on my side. Please try again in a moment. 🙏"
    ]


async def test_command_menus_are_published_per_language(bot: RunningBot):
    commands = bot.telegram.api.commands
    by_language = {lang: [c["command"] for c in cmds] for (_, lang), cmds in commands.items()}
    assert by_language[""] == [
        "start",
        "jadwal",
        "panduan",
        "ingatkan",
        "bantuan",
        "bahasa",
        "privasi",
        "berhenti",
        "hapusdata",
    ]
    assert by_language["id"] == by_language[""]
    assert by_language["en"] == [
        "start",
        "schedule",
        "guide",
        "remind",
        "help",
        "language",
        "privacy",
        "stop",
        "deletedata",
    ]
    assert "mkn" not in by_language
    descriptions = bot.telegram.api.descriptions
    assert descriptions[("description", "en")].startswith("Official assistant")
