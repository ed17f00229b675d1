"""Residents' questions through the fake Bot API: answers, asking back, fallback, cards."""

from dataclasses import replace

import pytest

from bot.config import Settings
from tests.conftest import DURING_ONLINE
from tests.databases import columns, stored_text
from tests.harness import RunningBot


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """These tests run while the online census is open."""
    return replace(settings, now=DURING_ONLINE)


async def test_a_clear_question_is_answered_with_related_topics_and_feedback(bot: RunningBot):
    ani = bot.person(2001)
    shown = await ani.send("gmn cara isi sensus online?")
    assert "Cara mengisi sensus online" in shown[0]["text"]
    assert "sensus.bps.go.id" in shown[0]["text"]
    assert ani.buttons() == [
        "Dokumen yang disiapkan",
        "Gagal login / kode 104",
        "Berapa lama mengisi?",
        "👍",
        "👎",
    ]

    before = len(bot.telegram.calls)
    await ani.press("👍")
    answered = [c for c in bot.telegram.calls[before:] if c.method == "answerCallbackQuery"]
    assert answered[0].params["text"] == "Terima kasih atas masukan Anda!"
    await ani.press("👎")  # changing one's mind replaces the vote
    assert await bot.services.repo.feedback_counts() == {"how-to-fill-online": (0, 1)}

    shown = await ani.press("Berapa lama mengisi?")
    assert "5 menit per orang" in shown[-1]["text"]


async def test_the_answer_comes_in_the_users_language_whatever_the_question_language(bot):
    mary = bot.person(2002, "Mary", language_code="en")
    await mary.send("/start")
    await mary.press("English")
    shown = await mary.send("beta son dapa token, karmana?")
    assert "If your token did not arrive" in shown[0]["text"]

    yos = bot.person(2003, "Yos")
    await yos.send("/start")
    await yos.press("Bahasa Kupang")
    shown = await yos.send("when does the online census close?")
    assert "Sensus online ada buka" in shown[0]["text"]
    shown = await yos.send("berapa lama isi sensus")  # an Indonesian question, a Kupang answer
    assert "5 menit per orang" in shown[0]["text"] and "Lu boleh baranti" in shown[0]["text"]


async def test_an_ambiguous_question_offers_choices(bot: RunningBot):
    ani = bot.person(2004)
    shown = await ani.send("sandi token password")
    assert shown[0]["text"] == "Maksud Anda salah satu dari ini?"
    offered = ani.buttons()
    assert "Jaga token & sandi" in offered and offered[-2:] == [
        "❌ Bukan semuanya",
        "🙋 Tanya petugas",
    ]
    assert 4 <= len(offered) <= 5
    shown = await ani.press("Jaga token & sandi")
    assert "Token Anda rahasia" in shown[-1]["text"]

    await ani.send("sandi token password")
    shown = await ani.press("Bukan semuanya")
    assert "hanya bisa membantu soal" in shown[0]["text"]
    assert "📅 Jadwal" in ani.buttons()


async def test_out_of_scope_gets_the_honest_reply_with_contacts_and_topics(bot: RunningBot):
    ani = bot.person(2005)
    shown = await ani.send("harga beras di pasar Oeba berapa?")
    text = shown[0]["text"]
    assert "hanya bisa membantu soal Sensus Penduduk 2020" in text
    assert "+62 812-9905-2020" in text and "@bps_statistics" in text
    shown = await ani.press("📅 Jadwal")
    assert ani.buttons(shown[0])[0] == "Jadwal lengkap"
    shown = await ani.press("Jadwal lengkap")
    assert "Sensus Penduduk Online: 15 Februari 2020 s.d. 31 Maret 2020" in shown[-1]["text"]


async def test_unanswered_questions_are_kept_for_staff_without_identity_numbers(bot, db_path):
    ani = bot.person(2006)
    shown = await ani.send("kapan kapal ke Rote berangkat? tiket atas nama 5371012345670001")
    assert "Pemeriksaan NIK 5371••••••••0001" in shown[0]["text"]  # the guard took it
    await ani.send("kapan kapal ke Rote berangkat?")
    await ani.send("sandi token password")
    await ani.send("kapan sensus online ditutup?")  # answered: not kept
    await ani.send("terima kasih")  # small talk: not kept
    kept = await bot.services.repo.unanswered()
    assert [(q.outcome, q.lang) for q in kept] == [("clarify", "id"), ("fallback", "id")]
    assert kept[0].text == "sandi token password" and kept[0].best_topic is not None
    assert kept[1].text == "kapan kapal ke Rote berangkat?"
    assert "5371012345670001" not in stored_text(db_path)
    assert "user_id" not in columns(db_path, "unanswered_questions")  # kept anonymously


async def test_small_talk_gets_a_short_friendly_reply_with_the_menu(bot: RunningBot):
    mary = bot.person(2011, "Mary", language_code="en")
    await mary.send("/start")
    await mary.press("English")
    shown = await mary.send("hello")
    assert shown[0]["text"].startswith("Hello! I am the 2020 Population Census assistant")
    assert "❓ Topik pertanyaan" not in mary.buttons() and len(mary.buttons()) == 8  # main menu
    shown = await mary.send("I want a person")
    assert "Ask the staff" in shown[0]["text"] and "+62 812-9905-2020" in shown[0]["text"]
    assert "only help with" not in shown[0]["text"]

    yos = bot.person(2012, "Yos")
    await yos.send("/start")
    await yos.press("Bahasa Kupang")
    shown = await yos.send("makasih e")
    assert shown[0]["text"].startswith("Sama-sama!")


async def test_topics_menu_from_the_main_menu(bot: RunningBot):
    ani = bot.person(2007)
    await ani.send("/start")
    await ani.press("Bahasa Indonesia")
    shown = await ani.press("Topik pertanyaan")
    assert shown[-1]["text"] == "Pilih topik:"
    shown = await ani.press("Keamanan & bantuan")
    assert "Ciri petugas resmi" in ani.buttons(shown[0])
    shown = await ani.press("Kembali")
    assert shown[0]["text"] == "Pilih topik:"


async def test_inline_mode_offers_shareable_answer_cards(bot: RunningBot):
    rt = bot.person(2008, "Pak RT")
    cards = await rt.inline("jadwal sensus")
    assert cards[0]["title"] == "Jadwal lengkap"
    content = cards[0]["input_message_content"]["message_text"]
    assert "Jadwal Sensus Penduduk 2020" in content and "@sensus_test_bot" in content
    popular = await rt.inline("")
    assert [c["title"] for c in popular][:2] == ["Jadwal lengkap", "Cara isi online"]
    assert await rt.inline("harga beras") == []


async def test_in_groups_the_bot_answers_only_when_addressed(bot: RunningBot):
    api = bot.telegram.api
    group = {"id": -700, "type": "supergroup", "title": "RT 05 Oebufu"}
    ina = {"id": 2009, "is_bot": False, "first_name": "Ina"}
    update_id = await bot.telegram.push(
        api.incoming_message(ina, "kapan sensus online ditutup", group)
    )
    await bot.processed(update_id)
    assert api.chat_messages(-700)[-1]["from"]["id"] == 2009  # no reply
    text = "@sensus_test_bot kapan sensus online ditutup?"
    update_id = await bot.telegram.push(api.incoming_message(ina, text, group))
    await bot.processed(update_id)
    reply = api.chat_messages(-700)[-1]
    assert reply["from"]["is_bot"] and "ditutup" in reply["text"]
    assert "reply_markup" not in reply


async def test_deleting_data_removes_feedback(bot: RunningBot):
    ani = bot.person(2010)
    await ani.send("apakah data sensus saya aman?")
    await ani.press("👍")
    await ani.send("/hapusdata")
    await ani.press("Ya, hapus semua")
    assert await bot.services.repo.feedback_counts() == {}
