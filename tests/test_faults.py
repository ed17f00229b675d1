"""Faults of the Bot API and of the process: the bot backs off, recovers, loses nothing."""

import asyncio
import random
import signal
from collections import Counter
from typing import Any

from offline.fake_telegram import DROP, FakeTelegram
from offline.local_api import keyboard_buttons
from offline.processes import seed_broadcast, start_bot_process
from storage import Repository
from tests.harness import RunningBot, eventually


def private_sends(telegram: FakeTelegram) -> Counter[int]:
    """sendMessage calls per private chat."""
    chats = [c.chat_id for c in telegram.calls if c.method == "sendMessage"]
    return Counter(chat for chat in chats if chat is not None and chat > 0)


async def test_polling_backs_off_and_recovers_without_losing_or_repeating_updates(
    bot: RunningBot, telegram: FakeTelegram
):
    people = [
        bot.telegram.api.incoming_message(p, "/start")
        for p in (
            {"id": 6000 + n, "is_bot": False, "first_name": f"W{n}", "language_code": "id"}
            for n in range(8)
        )
    ]
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


class RemotePerson:
    """A person chatting with a bot that runs in another process: each action waits until
    the bot's messages in the chat change."""

    def __init__(self, telegram: FakeTelegram, user_id: int) -> None:
        self.telegram, self.user_id = telegram, user_id
        self.user = {"id": user_id, "is_bot": False, "first_name": "Warga", "language_code": "id"}

    def screen(self) -> list[tuple[str, str]]:
        messages = self.telegram.api.chat_messages(self.user_id)
        return [(m["text"], str(m.get("reply_markup"))) for m in messages]

    async def send(self, text: str) -> None:
        await self._deliver(self.telegram.api.incoming_message(self.user, text))

    async def press(self, label: str) -> None:
        for message in reversed(self.telegram.api.chat_messages(self.user_id)):
            for button in keyboard_buttons(message.get("reply_markup")):
                if label in button["text"]:
                    data = button["callback_data"]
                    await self._deliver(self.telegram.api.button_press(self.user, message, data))
                    return
        raise AssertionError(f"no button {label!r}")

    async def _deliver(self, payload: dict[str, Any]) -> None:
        before = self.screen()
        await self.telegram.push(payload)
        await eventually(lambda: self.screen() != before, seconds=20)


async def test_kill_9_during_a_mixed_workload_loses_nothing(telegram: FakeTelegram, db_path):
    db = db_path
    recipients = range(7000, 7200)
    await seed_broadcast(db, recipients)
    settings = {"SENSUS_SEND_RATE": "30", "SENSUS_QUIET_HOURS": "off"}

    first = await start_bot_process(telegram.url, db, **settings)
    subscriber, reader = RemotePerson(telegram, 9501), RemotePerson(telegram, 9502)
    for person in (subscriber, reader):
        await person.send("/start")
        await person.press("Bahasa Indonesia")
    await subscriber.send("/ingatkan")
    await subscriber.press("Aktifkan semua pengingat")
    await subscriber.press("Token dikirim")  # then token off
    await reader.send("/panduan")
    await reader.press("Lanjut")
    await reader.press("Lanjut")
    shown_step = telegram.api.chat_messages(9502)[-1]["text"]
    await asyncio.sleep(random.uniform(0.0, 1.0))  # somewhere in the middle of the broadcast
    first.kill()
    await first.wait()
    sent_before = len(delivered_to(telegram, recipients))
    assert 0 < sent_before < len(recipients)

    second = await start_bot_process(telegram.url, db, **settings)
    await reader.send("/panduan")  # the guide offers to continue where the reader was
    await reader.press("Lanjut di langkah")
    assert telegram.api.chat_messages(9502)[-1]["text"] == shown_step
    await eventually(lambda: len(delivered_to(telegram, recipients)) > sent_before + 30, 30)
    second.send_signal(signal.SIGTERM)  # mid-broadcast: sends in flight finish, the rest waits
    async with asyncio.timeout(10):
        _, stderr = await second.communicate()
    assert second.returncode == 0, stderr.decode()
    repo = await Repository.open(db)
    figures = await repo.outbox_status()
    assert "sending" not in figures and figures["pending"] > 0
    await repo.close()

    third = await start_bot_process(telegram.url, db, **settings)
    await eventually(lambda: len(delivered_to(telegram, recipients)) == len(recipients), 60)
    third.send_signal(signal.SIGTERM)
    async with asyncio.timeout(10):
        await third.communicate()
    repo = await Repository.open(db)
    assert await repo.subscriptions(9501) == {"opening", "closing", "field"}
    assert await repo.outbox_status() == {"sent": len(recipients)}
    await repo.close()
    counts = delivered_to(telegram, recipients)
    assert sum(counts.values()) - len(recipients) <= 20  # at most one claim batch twice


def delivered_to(telegram: FakeTelegram, chats: range) -> Counter[int]:
    """How many messages each of ``chats`` received."""
    return Counter(chat for chat in private_sends(telegram).elements() if chat in chats)
