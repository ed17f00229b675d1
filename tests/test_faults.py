"""Faults of the Bot API and of the process: the bot backs off, recovers, loses nothing."""

from collections import Counter

from tests.fake_telegram import DROP, FakeTelegram
from tests.harness import RunningBot, eventually


def private_sends(telegram: FakeTelegram) -> Counter[int]:
    """sendMessage calls per private chat."""
    chats = [c.chat_id for c in telegram.calls if c.method == "sendMessage"]
    return Counter(chat for chat in chats if chat is not None and chat > 0)


async def test_polling_backs_off_and_recovers_without_losing_or_repeating_updates(
    bot: RunningBot, telegram: FakeTelegram
):
    people = [bot.telegram.api.incoming_message(p, "/start") for p in (
        {"id": 6000 + n, "is_bot": False, "first_name": f"W{n}", "language_code": "id"}
        for n in range(8)
    )]  # fmt: skip
    telegram.fail("getUpdates", 502, "Bad Gateway")
    telegram.fail("getUpdates", 429, "Too Many Requests: retry after 1", retry_after=1)
    telegram.fail("getUpdates", DROP, "connection dropped")
    telegram.fail("getUpdates", 500, "Internal Server Error")
    await telegram.push(people[0])  # answers the poll in progress; the next polls fail
    for update in people[1:]:
        await telegram.push(update)
    await eventually(lambda: len(private_sends(telegram)) == len(people), seconds=30)
    assert set(private_sends(telegram).values()) == {1}  # each answered exactly once
    assert not telegram.faults["getUpdates"]  # every fault was met on the way
