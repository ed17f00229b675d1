"""Per-person flood control: one polite notice, then silence; other people are unaffected."""

from tests.harness import Person, RunningBot, ready, say_in_group, texts_to


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
