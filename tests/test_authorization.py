"""Every privileged action × {resident, RT head of another area, staff, admin} × {command,
forged button}: the unprivileged get a clear refusal and nothing in the database changes."""

import logging
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ADMIN_ID
from tests.databases import rows, tables
from tests.harness import Person, RunningBot, ready, rt_head_with_group, say_in_group

REFUSAL = "Maaf, ini hanya untuk petugas sensus yang berwenang."
GROUP = {"id": -950, "type": "group", "title": "RT 03 Oebobo"}
OTHER_GROUP = {"id": -951, "type": "group", "title": "RT 07 Oelnasi"}
TABLES = (
    "roles",
    "role_audit",
    "rt_invitations",
    "groups",
    "announcements",
    "broadcasts",
    "broadcast_texts",
    "outbox",
    "calendar_revisions",
    "helpdesk",
    "tickets",
    "ticket_replies",
)


@dataclass(frozen=True)
class Action:
    """A privileged command or button, and who may use it."""

    name: str
    allowed: frozenset[str]
    command: str | None = None
    button: str | None = None
    in_group: bool = False


STAFF = frozenset({"staff", "admin"})
ADMIN = frozenset({"admin"})
RT = frozenset({"rt-other"})  # an RT head may act for their own area only
ACTIONS = [
    Action("grant staff", ADMIN, command="/staf tambah 7777"),
    Action("list staff", ADMIN, command="/staf"),
    Action("invite RT head", STAFF, command="/undang_rt 53.71 Oebobo RT 03"),
    Action("list RT heads", STAFF, command="/ketua_rt"),
    Action("remove RT head", STAFF, command="/ketua_rt hapus 8103"),
    Action("withdraw invitation", STAFF, command="/ketua_rt tarik 0123456789ab"),
    Action("remove RT head button", STAFF, button="rt:remove:8103"),
    Action("withdraw invitation button", STAFF, button="rt:withdraw:0123456789ab"),
    Action("hand over a group", STAFF, button="grp:give:-950.8104"),  # only its head, or staff
    Action("keep a group", STAFF, button="grp:keep:-950.8104"),
    Action("hand over a malformed group", STAFF, button="grp:give:--950.8104"),
    Action("write broadcast", STAFF, command="/siaran Uji coba"),
    Action("broadcast status", STAFF, command="/siaran_status"),
    Action("calendar", ADMIN, command="/kalender"),
    Action("announce", RT, command="/umumkan Uji coba"),
    Action("link group", frozenset(), command="/hubungkan", in_group=True),
    Action("choose audience", STAFF, button="bc:aud:1.all"),
    Action("region picker", STAFF, button="bc:regions:1.53"),
    Action("send broadcast", STAFF, button="bc:send:1"),
    Action("pause broadcast", STAFF, button="bc:pause:1"),
    Action("ask for a variant", STAFF, button="bc:text:1.en"),
    Action("ask for a time", STAFF, button="bc:when:1"),
    Action("preview calendar", ADMIN, button="cal:preview:sp2020-revisi"),
    Action("apply calendar", ADMIN, button="cal:apply:sp2020-revisi"),
    Action("announce calendar change", ADMIN, button="cal:announce:1"),
    Action("send someone's announcement", frozenset(), button="ann:send:1"),
    Action("pick a staff broadcast", RT, button="ann:bc:1"),
    Action("pick FAQ cards", RT, button="ann:cards:schedule"),
    Action("register the helpdesk", ADMIN, command="/meja_bantuan", in_group=True),
    Action("list tickets", STAFF, command="/tiket"),
    Action("statistics", STAFF, command="/statistik"),
    Action("switch statistics view", STAFF, button="stats:show:guide.7"),
    Action("inbox", STAFF, command="/tanya_masuk"),
    Action("teach a topic", STAFF, button="inbox:pick:1.add-remove-member"),
    Action("another topic", STAFF, button="inbox:other:1.household"),
    Action("small talk label", STAFF, button="inbox:chat:1"),
]


def snapshot(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table a privileged action could change."""
    return {table: sorted(rows(db, f"SELECT * FROM {table}"), key=repr) for table in TABLES}


async def cast(bot: RunningBot) -> dict[str, Person]:
    """Admin, staff, the RT head of the group's area (with a draft announcement), an RT head
    of another area, and a resident; a staff draft broadcast #1."""
    admin, staff, resident = bot.person(ADMIN_ID), bot.person(8101), bot.person(8102)
    for person in (admin, staff, resident):
        await ready(person)
    await admin.send("/staf tambah 8101")
    owner = await rt_head_with_group(bot, admin, 8103, GROUP, "53.71 Oebobo RT 03")
    other = await rt_head_with_group(bot, admin, 8104, OTHER_GROUP, "53.01 Oelnasi RT 07")
    await owner.send("/umumkan Kerja bakti Sabtu")  # announcement #1, the owner's
    await staff.send("/siaran Info resmi")  # broadcast #1, a draft
    return {"resident": resident, "rt-other": other, "staff": staff, "admin": admin}


def refused(bot: RunningBot, person: Person, before: int) -> bool:
    """Whether the bot's answer to ``person`` since call ``before`` was a refusal."""
    calls = bot.telegram.calls[before:]
    texts = [
        str(c.params.get("text"))
        for c in calls
        if c.method in ("sendMessage", "answerCallbackQuery")
    ]
    group_denial = "Hanya admin grup ini yang bisa menghubungkannya."
    return any(text in (REFUSAL, group_denial) for text in texts)


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
async def test_only_the_entitled_may_act(bot: RunningBot, db_path: Path, action: Action):
    people = await cast(bot)
    # The unprivileged first, so an allowed action cannot hide a refused one's changes.
    for role in sorted(people, key=lambda r: r in action.allowed):
        person = people[role]
        before, state = len(bot.telegram.calls), snapshot(db_path)
        if action.in_group:
            await say_in_group(bot, person.user, action.command or "", GROUP)
        elif action.command:
            await person.send(action.command)
        else:
            await person.press_data(action.button or "", person.last)
        if role in action.allowed:
            assert not refused(bot, person, before), f"{role} was refused"
        else:
            assert refused(bot, person, before), f"{role} was not refused"
            assert snapshot(db_path) == state, f"{role} changed the database"


def whole_database(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table but the ids of the updates processed (kept for every update,
    whoever sent it, so that a re-delivered one is not processed twice)."""
    return {
        name: sorted(rows(db, f"SELECT * FROM {name}"), key=repr)
        for name in tables(db)
        if name != "processed_updates"
    }


async def test_forged_presses_in_a_group_from_a_stranger_are_refused_quietly(
    bot: RunningBot, db_path: Path, caplog: pytest.LogCaptureFixture
):
    admin = bot.person(ADMIN_ID)
    await ready(admin)
    await admin.send("/siaran Info resmi")  # a draft a forged press could send
    stranger = {"id": 8190, "is_bot": False, "first_name": "Asing", "language_code": "id"}
    api = bot.telegram.api
    message = api.incoming_message(stranger, "halo semua", GROUP)["message"]
    step = bot.services.guide.steps_for(bot.services.calendar.access)[0].id
    topic = next(iter(bot.services.faq.content.topics))
    forged = [
        "remind:toggle:token",
        "remind:region:53.71",
        "remind:done:",
        "remind:show:",
        f"guide:go:{step}",
        "guide:check:nik",
        "guide:help:",
        "guide:exit:",
        "guide:done:",
        "lang:set:en",
        "privacy:delete:yes",
        f"faq:show:{topic}",
        f"faq:up:{topic}",
        "schedule:show:",
        "help:show:",
        "bc:send:1",
        "ann:send:1",
    ]
    before, state = len(bot.telegram.calls), whole_database(db_path)
    caplog.clear()
    for data in forged:
        payload = api.button_press(stranger, message, data)
        await bot.processed(await bot.telegram.push(payload))
        on_a_card = api.button_press(stranger, message, data)  # a press on an inline card
        del on_a_card["callback_query"]["message"]
        on_a_card["callback_query"]["inline_message_id"] = "card-1"
        await bot.processed(await bot.telegram.push(on_a_card))
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], errors[0].getMessage()
    assert whole_database(db_path) == state
    calls = bot.telegram.calls[before:]
    assert {c.method for c in calls} <= {"answerCallbackQuery", "getUpdates"}
    assert all(not c.params.get("text") for c in calls)  # quietly: no alert, no toast
