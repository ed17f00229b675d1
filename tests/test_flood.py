"""Per-person flood control: one polite notice, then silence; other people are unaffected;
counts shared by workers in Redis, and nobody blocked when Redis fails."""

import asyncio
import os
from dataclasses import replace
from pathlib import Path
from uuid import uuid4

import pytest
from limits import parse

from bot.config import Settings
from offline.fake_telegram import FakeTelegram
from offline.processes import free_port
from tests.harness import Person, RunningBot, ready, say_in_group, texts_to
from tests.test_signals import bot_with_signals, figures, health, value


async def test_a_flooding_person_gets_one_notice_and_others_are_still_answered(bot: RunningBot):
    flooder, neighbour = bot.person(5001, "Budi", "en"), bot.person(5002, "Sari")
    await flooder.send("/start")  # 1 of the 20 messages a minute
    await flooder.press("English")
    replies = []
    for n in range(24):
        replies.append(await flooder.send(f"when does the online census open {n}"))
    answered = [r for r in replies[:19] if r]
    assert len(answered) == 19  # up to the limit, every question is answered
    notice = replies[19]
    assert len(notice) == 1 and notice[0]["text"].startswith("Easy there 🙏")
    assert replies[20:] == [[], [], [], []]  # then silence, without a second notice

    shown = await neighbour.send("/start")
    assert shown and "Pilih bahasa" in shown[0]["text"]


def slow_down_alerts(bot: RunningBot, since: int) -> list[str]:
    """The flood notices given on buttons since call ``since``."""
    return [
        str(c.params.get("text"))
        for c in bot.telegram.calls[since:]
        if c.method == "answerCallbackQuery" and "Pelan-pelan" in str(c.params.get("text"))
    ]


async def test_tapping_through_the_guide_is_fast_but_button_floods_are_stopped(bot: RunningBot):
    ani = bot.person(5101)
    await ready(ani)  # press 1 of the 60 a minute
    await ani.send("/panduan")
    before = len(bot.telegram.calls)
    presses = 1
    for number in range(1, 11):  # every step, its help and its scam warning, without pausing
        for label in ("Saya macet di sini", "Kembali", "Waspada penipuan", "Kembali"):
            assert await ani.press(label), f"step {number}: {label} was not answered"
            presses += 1
        if number < 10:
            assert await ani.press("Lanjut")
            presses += 1
    assert slow_down_alerts(bot, before) == []
    last = bot.services.guide.steps_for(bot.services.calendar.access)[-1].id
    toggles = ["guide:help:", f"guide:go:{last}"]  # help, back to the step, help, ...
    while presses < 60:
        assert await ani.press_data(toggles[presses % 2], ani.last)
        presses += 1
    refused = len(bot.telegram.calls)
    shown = await ani.press_data(toggles[presses % 2], ani.last)  # press 61
    assert shown == [] and slow_down_alerts(bot, refused) == [
        "Pelan-pelan ya 🙏 Tombolnya ditekan terlalu cepat. Coba lagi sebentar lagi."
    ]
    assert await ani.press_data(toggles[presses % 2], ani.last) == []  # silence after that
    assert len(slow_down_alerts(bot, refused)) == 1


async def test_inline_queries_are_limited_per_person(bot: RunningBot):
    typist, other = bot.person(5201), bot.person(5202)
    answered = [bool(await typist.inline(f"jadwal sensus {n}")) for n in range(62)]
    assert answered == [True] * 60 + [False, False]
    assert await other.inline("jadwal sensus")


def edit(bot: RunningBot, person: Person, text: str, chat: dict | None = None) -> dict:
    """An update in which ``person`` edits one of their messages into ``text``."""
    message = bot.telegram.api.incoming_message(person.user, text, chat)["message"]
    return {"edited_message": message | {"edit_date": message["date"] + 1}}


async def test_edited_messages_count_like_messages(bot: RunningBot):
    editor = bot.person(5301)
    await ready(editor)  # message 1 of 20
    for n in range(19):
        await bot.processed(await bot.telegram.push(edit(bot, editor, f"jadwal sensus {n}")))
    shown = await editor.send("kapan sensus online dibuka?")  # the 21st request
    assert [m["text"] for m in shown] == [
        "Pelan-pelan ya 🙏 Anda mengirim banyak pesan sekaligus. Saya jeda sebentar; "
        "kirim lagi pertanyaan Anda sebentar lagi."
    ]


async def test_mentions_in_a_group_are_limited_quietly(bot: RunningBot):
    group = {"id": -5400, "type": "group", "title": "RT 04"}
    member = {"id": 5401, "is_bot": False, "first_name": "Yos", "language_code": "id"}
    mention = "@sensus_test_bot kapan sensus online dibuka?"
    for _ in range(20):
        await say_in_group(bot, member, mention, group)
    answers = len(texts_to(bot.telegram, -5400))
    assert answers == 20
    await say_in_group(bot, member, mention, group)
    await bot.processed(await bot.telegram.push(edit(bot, bot.person(5401), mention, group)))
    assert len(texts_to(bot.telegram, -5400)) == answers  # no answer and no notice in the group
    assert texts_to(bot.telegram, 5401) == []  # nor a message to someone who never wrote to us
    await say_in_group(bot, {**member, "id": 5402}, mention, group)
    assert len(texts_to(bot.telegram, -5400)) == answers + 1


REDIS = os.environ.get("SENSUS_TEST_REDIS")


@pytest.mark.skipif(
    not REDIS, reason="SENSUS_TEST_REDIS (redis://HOST:PORT/DB) not set: no Redis to share"
)
async def test_two_workers_sharing_redis_count_one_persons_messages_together(
    telegram: FakeTelegram, settings: Settings, tmp_path: Path
):
    assert REDIS is not None
    # A key prefix of its own, so parallel runs on one Redis never share a count.
    shared = replace(
        settings,
        flood_limit=parse("3/minute"),
        redis_url=REDIS,
        redis_prefix=f"sensus-test-{uuid4().hex}",
    )
    other_telegram = FakeTelegram()
    await other_telegram.start()
    try:
        second = replace(shared, api_url=other_telegram.url, database=tmp_path / "second.db")
        async with (
            bot_with_signals(telegram, shared) as (first_bot, first_url),
            bot_with_signals(other_telegram, second) as (second_bot, second_url),
        ):
            on_first, on_second = first_bot.person(5401), second_bot.person(5401)
            assert await on_first.send("/start")  # 1 of 3
            assert await on_second.send("/start")  # 2
            assert await on_first.send("kapan sensus online dibuka?")  # 3
            notice = await on_second.send("kapan sensus online dibuka?")  # 4: one too many
            assert [m["text"][:13] for m in notice] == ["Pelan-pelan y"]
            assert await on_first.send("halo") == []  # silence on the other worker too
            assert await first_bot.person(5402).send("/start")  # someone else: answered
            for url in (first_url, second_url):
                found = await figures(url)
                assert value(found, "sensus_flood_refusals_total", kind="message") == 1
                assert value(found, "sensus_flood_unchecked_total") == 0
    finally:
        await other_telegram.stop()


async def test_when_redis_does_not_answer_nobody_is_blocked_and_operators_are_told(
    telegram: FakeTelegram, settings: Settings, caplog: pytest.LogCaptureFixture
):
    nobody_there = f"redis://127.0.0.1:{free_port()}/0"
    down = replace(settings, flood_limit=parse("2/minute"), redis_url=nobody_there)
    async with bot_with_signals(telegram, down) as (bot, url):
        person = bot.person(5501)
        replies = [await person.send(text) for text in ("/start", "halo", "halo", "halo")]
        assert all(replies)  # past the limit, yet answered: a broken counter blocks nobody
        assert value(await figures(url), "sensus_flood_unchecked_total") == 4
        status, body = await health(url)
        assert status == 200, body  # the bot itself works
    warnings = [r for r in caplog.records if "Redis does not answer" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelname == "WARNING"


async def test_a_hanging_redis_costs_one_timeout_not_one_per_update(
    telegram: FakeTelegram, settings: Settings
):
    attempts = 0

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal attempts
        attempts += 1  # redis-py drops a connection that timed out: one per attempt
        await reader.read()  # accept the command, answer nothing, until the client leaves
        writer.close()

    hanging = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = hanging.sockets[0].getsockname()[1]
    try:
        stuck = replace(settings, redis_url=f"redis://127.0.0.1:{port}/0")
        async with bot_with_signals(telegram, stuck) as (bot, url):
            person = bot.person(5601)
            for text in ("/start", "halo", "kapan sensus online dibuka?", "makasih"):
                assert await person.send(text)  # answered, unchecked
            assert value(await figures(url), "sensus_flood_unchecked_total") == 4
            assert attempts == 1  # the later updates did not wait for Redis again
    finally:
        hanging.close()
        await hanging.wait_closed()
