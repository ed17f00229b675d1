"""Per-person flood control: one polite notice, then silence; other people are unaffected."""

from tests.harness import RunningBot


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
