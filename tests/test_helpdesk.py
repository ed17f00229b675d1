"""A person when the bot cannot help: tickets to the staff helpdesk group and replies back."""

from typing import Any

from tests.conftest import ADMIN_ID
from tests.databases import rows
from tests.harness import RunningBot, eventually, ready, say_in_group, texts_to

DESK: dict[str, Any] = {"id": -777, "type": "supergroup", "title": "Meja bantuan BPS"}


async def helpdesk_with_staff(bot: RunningBot):
    """An admin registered the helpdesk group; staff member 8201 works there."""
    admin = bot.person(ADMIN_ID, "Admin")
    await ready(admin)
    await admin.send("/staf tambah 8201")
    await say_in_group(bot, admin.user, "/meja_bantuan", DESK)
    assert texts_to(bot.telegram, DESK["id"], "meja bantuan")
    return admin, bot.person(8201, "Petugas Yohanes")


def desk_messages(bot: RunningBot) -> list[dict]:
    api = bot.telegram.api
    return [m for m in api.chat_messages(DESK["id"]) if m["from"]["id"] == api.bot_user["id"]]


async def test_a_question_reaches_staff_masked_and_the_reply_reaches_the_resident(bot):
    _, staff = await helpdesk_with_staff(bot)
    resident = bot.person(8301, "Maria Lutfi", "id")
    await ready(resident)
    await resident.send("xyzzy blorp qwerty")  # the bot cannot help
    await resident.press("Tanya petugas")
    prompt = resident.last
    assert prompt["text"].startswith("🙋")
    answer = await resident.send(
        "Petugas belum datang ke rumah saya, telepon saya 0812 3456 7890", reply_to=prompt
    )
    assert "tiket #1" in answer[-1]["text"]
    await eventually(lambda: len(desk_messages(bot)) >= 2)
    ticket = desk_messages(bot)[-1]
    assert ticket["text"].startswith("🎫 #1")
    assert "Petugas belum datang" in ticket["text"]
    for secret in ("Maria", "Lutfi", "8301", "0812", "3456", "7890"):
        assert secret not in ticket["text"]

    await say_in_group(bot, staff.user, "Besok petugas datang, Bu.", DESK)
    assert not texts_to(bot.telegram, resident.user_id, "Besok petugas")  # not a reply: ignored
    payload = bot.telegram.api.incoming_message(
        staff.user, "Besok petugas datang, Bu.", DESK, ticket
    )
    await bot.processed(await bot.telegram.push(payload))
    assert texts_to(bot.telegram, DESK["id"], "dijawab oleh Petugas Yohanes")
    await eventually(lambda: texts_to(bot.telegram, resident.user_id, "Besok petugas datang"))
    delivered = texts_to(bot.telegram, resident.user_id, "Jawaban petugas")[-1]
    assert "tiket #1" in delivered and "Yohanes" not in delivered


async def test_one_open_ticket_each_and_only_staff_replies_are_delivered(bot, db_path):
    admin, _ = await helpdesk_with_staff(bot)
    resident = bot.person(8302)
    await ready(resident)
    await resident.press_data("desk:ask:", resident.last)
    await resident.send("Kapan sensus online ditutup untuk warga?", reply_to=resident.last)
    await resident.press_data("desk:ask:", resident.last)
    assert "tiket #1" in resident.last["text"] and "masih menunggu" in resident.last["text"]
    await eventually(lambda: len(desk_messages(bot)) >= 2)
    ticket = desk_messages(bot)[-1]

    bystander = {"id": 8399, "is_bot": False, "first_name": "Warga lain"}
    payload = bot.telegram.api.incoming_message(bystander, "Saya juga mau tahu", DESK, ticket)
    await bot.processed(await bot.telegram.push(payload))
    assert texts_to(bot.telegram, DESK["id"], "Hanya petugas")
    other = bot.person(8303)
    await ready(other)
    await other.send("🎫 #1 tolong sampaikan", reply_to=ticket)  # not a way into the group
    await other.send("/tiket")
    assert "Maaf, ini hanya untuk petugas" in other.last["text"]
    calls = [c for c in bot.telegram.calls if c.chat_id == DESK["id"]]
    assert not any("tolong sampaikan" in str(c.params.get("text")) for c in calls)
    replies = rows(db_path, "SELECT COUNT(*) FROM outbox WHERE content LIKE 'ticket-reply:%'")
    assert replies == [(0,)]

    await admin.send("/tiket")
    assert "🎫 #1" in admin.last["text"] and "Kapan sensus online" in admin.last["text"]
    await resident.send("/privasi")
    assert "Tiket #1" in resident.last["text"]
    await resident.send("/hapusdata")
    await resident.press("Ya, hapus")
    await admin.send("/tiket")
    assert "Tidak ada tiket" in admin.last["text"]


async def test_without_a_helpdesk_the_resident_gets_the_official_contacts(bot):
    resident = bot.person(8304)
    await ready(resident)
    await resident.press_data("desk:ask:", resident.last)
    assert "belum ada petugas" in resident.last["text"]
