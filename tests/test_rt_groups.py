"""Staff, RT heads and their groups through the fake Bot API; every refusal on the server."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.clock import FixedClock
from offline.local_api import keyboard_buttons
from tests.conftest import ADMIN_ID
from tests.databases import rows
from tests.harness import (
    RunningBot,
    bot_joins,
    eventually,
    invitation_code,
    ready,
    rt_head_with_group,
    run_bot,
    say_in_group,
    texts_to,
)

GROUP = {"id": -900, "type": "group", "title": "Warga RT 05 Fatululi"}


async def test_invitation_to_rt_head_to_linked_group_to_announcement(bot: RunningBot, db_path):
    admin, staff, rt = (
        bot.person(ADMIN_ID, "Admin"),
        bot.person(8001, "Staf"),
        bot.person(8002, "Pak RT"),
    )
    for person in (admin, staff, rt):
        await ready(person)
    shown = await admin.send("/staf tambah 8001")
    assert shown[0]["text"] == "✅ 8001 sekarang petugas."
    shown = await staff.send("/undang_rt 53.71 Fatululi RT 05/RW 02")
    assert "Kota Kupang · Fatululi RT 05/RW 02" in shown[0]["text"]
    code = invitation_code(shown[0]["text"])

    shown = await rt.send(f"/start rt-{code}")
    assert "terdaftar sebagai ketua RT" in shown[0]["text"]
    other = bot.person(8003, "Lain")
    await ready(other)
    shown = await other.send(f"/start rt-{code}")  # single use
    assert "tidak berlaku" in shown[0]["text"]

    await bot_joins(bot, GROUP, rt.user)
    assert "/hubungkan" in bot.telegram.api.chat_messages(-900)[-1]["text"]
    await say_in_group(bot, rt.user, "/hubungkan", GROUP)  # not an admin of the group yet
    assert "Hanya admin grup" in bot.telegram.api.chat_messages(-900)[-1]["text"]
    bot.telegram.api.chat_admins[-900] = {8002}
    await say_in_group(bot, rt.user, "/hubungkan", GROUP)
    assert "terhubung dengan Kota Kupang" in bot.telegram.api.chat_messages(-900)[-1]["text"]

    shown = await rt.send("/umumkan Kerja bakti & <pendataan> hari Sabtu pukul 08.00")
    assert "Pratinjau untuk 1 grup" in shown[0]["text"]
    assert "Kerja bakti & <pendataan>" in shown[0]["text"]  # escaped, shown as written
    await rt.press("Kirim")
    await eventually(lambda: bool(texts_to(bot.telegram, -900, "Kerja bakti")))
    posted = texts_to(bot.telegram, -900, "Kerja bakti")[0]
    assert "&lt;pendataan&gt;" in posted and "Kota Kupang · Fatululi RT 05/RW 02" in posted

    stored = [row[0] for row in rows(db_path, "SELECT code_hash FROM rt_invitations")]
    actions = audit_actions(db_path)
    assert code not in stored and len(stored[0]) == 64  # only a hash is kept
    assert actions == ["grant-staff", "invite-rt", "join-rt", "link-group"]


async def test_a_group_migrated_mid_way_keeps_getting_announcements(bot: RunningBot):
    admin = bot.person(ADMIN_ID, "Admin")
    await ready(admin)
    group = {"id": -910, "type": "group", "title": "RT 01"}
    rt = await rt_head_with_group(bot, admin, 8010, group)
    # The group becomes a supergroup: Telegram sends a service message with the new id.
    api = bot.telegram.api
    service = api.incoming_message(rt.user, "x", group)
    del service["message"]["text"]
    service["message"]["migrate_to_chat_id"] = -100910
    await bot.processed(await bot.telegram.push(service))
    await rt.send("/umumkan Petugas sensus datang besok")
    await rt.press("Kirim")
    await eventually(lambda: bool(texts_to(bot.telegram, -100910, "Petugas sensus datang")))
    assert texts_to(bot.telegram, -910, "Petugas sensus datang") == []


async def test_an_rt_head_can_pass_on_a_staff_broadcast_or_an_faq_card(bot: RunningBot):
    admin = bot.person(ADMIN_ID, "Admin")
    await ready(admin)
    group = {"id": -920, "type": "group", "title": "RT 02"}
    rt = await rt_head_with_group(bot, admin, 8011, group)
    await admin.send("/siaran Posko sensus buka di kantor desa, Senin-Jumat.")
    await admin.press("Ketua RT")
    await admin.press("Kirim sekarang")
    await admin.send("/siaran Hanya untuk warga berbahasa Inggris.")  # not meant for RT groups
    await admin.press("Pengguna English")
    await admin.press("Kirim sekarang")

    shown = await rt.send("/umumkan")
    official = [label for label in rt.buttons(shown[0]) if label.startswith("📣")]
    assert official == ["📣 Posko sensus buka di kantor desa,…"]
    shown = await rt.press("Posko sensus")
    assert "Pratinjau untuk 1 grup" in shown[0]["text"]
    await rt.press("Kirim")
    await eventually(lambda: bool(texts_to(bot.telegram, -920, "Posko sensus buka")))

    await rt.send("/umumkan")
    await rt.press("Keamanan & bantuan")
    shown = await rt.press("Ciri petugas resmi")
    assert "Pratinjau untuk 1 grup" in shown[0]["text"] and "— Kabupaten Kupang" in shown[0]["text"]
    await rt.press("Kirim")
    await eventually(lambda: len(texts_to(bot.telegram, -920, "Pengumuman Sensus")) == 2)
    before = len(bot.telegram.calls)
    await bot.person(8012).press_data("ann:bc:1", shown[0])  # a resident forging the button
    assert [c.params.get("show_alert") for c in bot.telegram.calls[before:]] == ["true"]


async def test_residents_forged_buttons_and_expired_invitations_are_refused(telegram, settings):
    kupang = ZoneInfo("Asia/Makassar")
    clock = FixedClock(datetime(2020, 2, 1, 10, tzinfo=kupang))
    async with run_bot(telegram, settings, clock) as bot:
        admin, resident = bot.person(ADMIN_ID, "Admin"), bot.person(8020, "Warga")
        await ready(admin)
        await ready(resident)
        refusal = "Maaf, ini hanya untuk petugas sensus yang berwenang."
        for command in ("/staf tambah 8020", "/undang_rt 53.71 Oebobo RT 1", "/umumkan halo"):
            shown = await resident.send(command)
            assert shown[0]["text"] == refusal, command
        assert await bot.services.repo.roles(8020) == {}
        code = invitation_code((await admin.send("/undang_rt 53.71 Oebobo RT 01"))[0]["text"])
        clock.moment += timedelta(days=8)
        shown = await resident.send(f"/start rt-{code}")
        assert "tidak berlaku" in shown[0]["text"]
        before = len(telegram.calls)
        await resident.press_data("ann:send:1", resident.last)
        assert [c.params.get("show_alert") for c in telegram.calls[before:]] == ["true"]
        assert await bot.services.repo.roles(8020) == {}


def audit_actions(db_path) -> list[str]:
    return [row[0] for row in rows(db_path, "SELECT action FROM role_audit ORDER BY id")]


async def test_staff_can_withdraw_an_invitation_by_button_or_command(bot: RunningBot, db_path):
    admin, resident = bot.person(ADMIN_ID, "Admin"), bot.person(8031, "Warga")
    await ready(admin)
    await ready(resident)
    shown = await admin.send("/undang_rt 53.71 Oebobo RT 02")
    code = invitation_code(shown[0]["text"])
    shown = await admin.press("Tarik undangan ini")
    assert shown[0]["text"] == "✅ Undangan ditarik; tautannya tidak berlaku lagi."
    assert "start=rt-" not in shown[0]["text"]  # the dead link is gone from the chat
    shown = await resident.send(f"/start rt-{code}")
    assert "tidak berlaku" in shown[0]["text"]
    assert await bot.services.repo.roles(8031) == {}

    second = invitation_code((await admin.send("/undang_rt 53.71 Oebobo RT 03"))[0]["text"])
    listing = (await admin.send("/ketua_rt"))[0]["text"]
    assert "Kota Kupang · Oebobo RT 03 — " in listing and "Oebobo RT 02" not in listing
    ref = listing.split("Oebobo RT 03 — ", 1)[1].split(",", 1)[0]
    shown = await admin.send(f"/ketua_rt tarik {ref}")
    assert shown[0]["text"] == "✅ Undangan ditarik; tautannya tidak berlaku lagi."
    shown = await admin.send(f"/ketua_rt tarik {ref}")
    assert shown[0]["text"] == "Tidak ada undangan dengan kode itu. Lihat /ketua_rt."
    assert "tidak berlaku" in (await resident.send(f"/start rt-{second}"))[0]["text"]
    assert audit_actions(db_path).count("withdraw-rt-invite") == 2


async def test_staff_can_remove_an_rt_head_whose_groups_are_unlinked(bot: RunningBot, db_path):
    admin, staff = bot.person(ADMIN_ID, "Admin"), bot.person(8041, "Staf")
    await ready(admin)
    await ready(staff)
    await admin.send("/staf tambah 8041")
    group = {"id": -940, "type": "group", "title": "RT 09"}
    rt = await rt_head_with_group(bot, admin, 8042, group, "53.71 Oebobo RT 09")
    sender = bot.services.sender
    assert sender is not None
    await sender.stop()  # the RT head's announcement waits in the outbox
    await rt.send("/umumkan Kerja bakti Sabtu")
    await rt.press("Kirim")
    shown = await staff.send("/ketua_rt")
    assert "Kota Kupang · Oebobo RT 09 — 8042, 1 grup" in shown[0]["text"]
    shown = await staff.press("Cabut Oebobo RT 09")
    assert shown[0]["text"].startswith("✅ 8042 bukan ketua RT lagi. 1 grupnya tidak terhubung")
    repo = bot.services.repo
    assert await repo.roles(8042) == {}
    linked = await repo.group(-940)
    assert linked is not None and linked.rt_user_id is None and linked.area is None
    assert await repo.outbox_status("announcement") == {"cancelled": 1}
    assert audit_actions(db_path)[-2:] == ["revoke-rt", "unlink-group"]
    refused = await rt.send("/umumkan Lagi")
    assert refused[0]["text"] == "Maaf, ini hanya untuk petugas sensus yang berwenang."
    shown = await staff.send("/ketua_rt hapus 8042")
    assert shown[0]["text"] == "8042 bukan ketua RT."


async def test_linking_a_group_another_rt_head_linked_asks_that_head(bot: RunningBot, db_path):
    admin = bot.person(ADMIN_ID, "Admin")
    await ready(admin)
    group = {"id": -930, "type": "group", "title": "Warga Oebobo"}
    holder = await rt_head_with_group(bot, admin, 8051, group, "53.71 Oebobo RT 01")
    asker = bot.person(8052, "Pak RT Baru")
    await ready(asker)
    code = invitation_code((await admin.send("/undang_rt 53.71 Oebobo RT 02"))[0]["text"])
    await asker.send(f"/start rt-{code}")
    api, repo = bot.telegram.api, bot.services.repo
    api.chat_admins[-930] = {8051, 8052}

    bot.telegram.blocked_chats = {8051}  # the head the group is linked to cannot be reached
    await say_in_group(bot, asker.user, "/hubungkan", group)
    assert "tidak bisa saya hubungi" in api.chat_messages(-930)[-1]["text"]
    assert (await repo.group(-930)).rt_user_id == 8051  # type: ignore[union-attr]
    bot.telegram.blocked_chats = set()
    await say_in_group(bot, asker.user, "/hubungkan", group)
    told = api.chat_messages(-930)[-1]["text"]
    assert told.startswith("Grup ini sudah terhubung dengan Kota Kupang · Oebobo RT 01.")
    linked = await repo.group(-930)
    assert linked is not None and linked.rt_user_id == 8051  # unchanged until the head answers
    question = holder.last
    assert "ingin menghubungkan grup Warga Oebobo" in question["text"]
    assert holder.buttons(question) == ["✅ Serahkan grup", "❌ Tetap di wilayah saya"]

    before = len(bot.telegram.calls)
    forged = keyboard_buttons(question["reply_markup"])[0]["callback_data"]
    await asker.press_data(forged, asker.last)  # the asker cannot approve their own request
    assert [c.params.get("show_alert") for c in bot.telegram.calls[before:]] == ["true"]
    assert (await repo.group(-930)).rt_user_id == 8051  # type: ignore[union-attr]

    shown = await holder.press("Tetap di wilayah saya", question)
    assert shown[0]["text"] == "Grup tetap terhubung dengan wilayah Anda."
    assert "tetap terhubung dengan wilayah ketua RT sebelumnya" in asker.last["text"]
    assert (await repo.group(-930)).rt_user_id == 8051  # type: ignore[union-attr]

    await say_in_group(bot, asker.user, "/hubungkan", group)
    shown = await holder.press("Serahkan grup")
    assert shown[0]["text"] == "✅ Grup diserahkan kepada Kota Kupang · Oebobo RT 02."
    assert "terhubung dengan Kota Kupang · Oebobo RT 02" in api.chat_messages(-930)[-1]["text"]
    handed = await repo.group(-930)
    assert handed is not None and handed.rt_user_id == 8052
    assert audit_actions(db_path)[-1] == "link-group"
    await holder.press_data(forged, question)  # an old button, pressed again
    assert (await repo.group(-930)).rt_user_id == 8052  # type: ignore[union-attr]
