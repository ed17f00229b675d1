"""Drive the real Application over HTTP against the fake Bot API, as people would."""

import asyncio
import os
import re
import select
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from telegram import Update

from bot.app import build_application, running
from bot.config import Settings
from bot.context import AnyApplication, services_of
from bot.domain.clock import Clock
from bot.services import Services
from offline.fake_telegram import FakeTelegram
from offline.local_api import keyboard_buttons
from offline.processes import clean_env

WAIT = 10.0
ROOT = Path(__file__).resolve().parent.parent


class RunningBot:
    """One running bot process (in this event loop) polling the fake server."""

    def __init__(self, telegram: FakeTelegram, application: AnyApplication) -> None:
        self.telegram = telegram
        self.application = application
        self._done: set[int] = set()
        self._progress = asyncio.Condition()
        processor = application.update_processor
        original = processor.do_process_update

        async def tracked(update: object, coroutine: Any) -> None:
            try:
                await original(update, coroutine)
            finally:
                if isinstance(update, Update):
                    async with self._progress:
                        self._done.add(update.update_id)
                        self._progress.notify_all()

        processor.do_process_update = tracked  # type: ignore[method-assign]

    @property
    def services(self) -> Services:
        """The bot's services (repository, settings, ...)."""
        return services_of(self.application)

    async def processed(self, update_id: int) -> None:
        """Wait until the bot has finished handling an update."""
        async with self._progress:
            await asyncio.wait_for(self._progress.wait_for(lambda: update_id in self._done), WAIT)

    def person(self, user_id: int, first_name: str = "Ani", language_code: str = "id") -> "Person":
        """A Telegram user who talks to this bot."""
        return Person(self, user_id, first_name, language_code)


class Person:
    """A user in a private chat with the bot."""

    def __init__(self, bot: RunningBot, user_id: int, first_name: str, language_code: str):
        self.bot = bot
        self.user_id = user_id
        self.user: dict[str, Any] = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": language_code,
        }

    @property
    def screen(self) -> list[dict[str, Any]]:
        """The bot's messages in the private chat, as they stand now."""
        api = self.bot.telegram.api
        return [m for m in api.chat_messages(self.user_id) if m["from"]["id"] != self.user_id]

    @property
    def last(self) -> dict[str, Any]:
        """The bot's latest message in the chat."""
        return self.screen[-1]

    def buttons(self, message: dict[str, Any] | None = None) -> list[str]:
        """Labels of the buttons under a message (default: the latest one with buttons)."""
        target = message or self._latest_with_buttons()
        return [b["text"] for b in keyboard_buttons(target.get("reply_markup"))]

    async def send(self, text: str, reply_to: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Write a message (maybe a reply); return the bot messages that appeared or changed."""
        payload = self.bot.telegram.api.incoming_message(self.user, text, reply_to=reply_to)
        return await self._deliver(payload)

    async def inline(self, query: str) -> list[dict[str, Any]]:
        """Type ``@bot query``; return the cards the bot offered."""
        payload = self.bot.telegram.api.inline_query(self.user, query)
        query_id = payload["inline_query"]["id"]
        await self.bot.processed(await self.bot.telegram.push(payload))
        return self.bot.telegram.api.inline_answers.get(query_id, [])

    async def press(
        self, label: str, message: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Tap the button whose label contains ``label``."""
        target = message or self._latest_with_buttons()
        for button in keyboard_buttons(target.get("reply_markup")):
            if label in button["text"]:
                return await self.press_data(button["callback_data"], target)
        raise AssertionError(f"no button {label!r} in {self.buttons(target)}")

    async def press_data(self, data: str, message: dict[str, Any]) -> list[dict[str, Any]]:
        """Send a callback query with arbitrary (possibly forged) data."""
        payload = self.bot.telegram.api.button_press(self.user, message, data)
        return await self._deliver(payload)

    async def _deliver(self, payload: dict[str, Any]) -> list[dict[str, Any]]:
        before = {m["message_id"]: (m.get("text"), m.get("reply_markup")) for m in self.screen}
        update_id = await self.bot.telegram.push(payload)
        await self.bot.processed(update_id)
        return [
            m
            for m in self.screen
            if before.get(m["message_id"]) != (m.get("text"), m.get("reply_markup"))
        ]

    def _latest_with_buttons(self) -> dict[str, Any]:
        for message in reversed(self.screen):
            if keyboard_buttons(message.get("reply_markup")):
                return message
        raise AssertionError("no message with buttons on screen")


@asynccontextmanager
async def run_bot(
    telegram: FakeTelegram, settings: Settings, clock: Clock | None = None
) -> AsyncIterator[RunningBot]:
    """Build the application exactly as production does and poll the fake server."""
    application = build_application(settings, clock=clock)
    bot = RunningBot(telegram, application)
    async with running(application, poll=True):
        yield bot


async def eventually(condition: Any, seconds: float = WAIT) -> None:
    """Wait until ``condition()`` is true (for work the bot does on its own, like sending);
    ``condition`` may be a coroutine function (e.g. reading the database)."""
    async with asyncio.timeout(seconds):
        while not (await condition() if asyncio.iscoroutinefunction(condition) else condition()):
            await asyncio.sleep(0.02)


def texts_to(telegram: FakeTelegram, chat_id: int, containing: str = "") -> list[str]:
    """Texts the bot sent to a chat (sendMessage calls), optionally filtered."""
    return [
        str(c.params.get("text", ""))
        for c in telegram.calls
        if c.method == "sendMessage"
        and c.chat_id == chat_id
        and containing in str(c.params.get("text"))
    ]


def run_cli(
    *args: str,
    stdin: str = "",
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    check: bool = True,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run ``sensus-bot ARGS`` as a process, with none of this machine's bot settings."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        env=clean_env() | (env or {}),
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )


async def ready(person: Person) -> None:
    """``person`` starts the bot and picks Indonesian."""
    await person.send("/start")
    await person.press("Bahasa Indonesia")


def invitation_code(text: str) -> str:
    """The code in an RT invitation link."""
    found = re.search(r"start=rt-([A-Za-z0-9_\-]+)", text)
    assert found, text
    return found.group(1)


async def bot_joins(bot: RunningBot, chat: dict, by: dict, status: str = "member") -> None:
    """``by`` adds the bot to ``chat``."""
    api = bot.telegram.api
    change = {
        "chat": chat,
        "from": by,
        "date": int(time.time()),
        "old_chat_member": {"user": api.bot_user, "status": "left"},
        "new_chat_member": {"user": api.bot_user, "status": status},
    }
    await bot.processed(await bot.telegram.push({"my_chat_member": change}))


async def say_in_group(bot: RunningBot, person: dict, text: str, chat: dict) -> None:
    """``person`` writes ``text`` in the group ``chat``."""
    api = bot.telegram.api
    await bot.processed(await bot.telegram.push(api.incoming_message(person, text, chat)))


async def rt_head_with_group(
    bot: RunningBot, admin: Person, user_id: int, group: dict, area: str = "53.01 Oelnasi RT 01"
) -> Person:
    """An RT head invited by ``admin`` who added the bot to ``group`` and linked it."""
    rt = bot.person(user_id, "Bu RT")
    await ready(rt)
    code = invitation_code((await admin.send(f"/undang_rt {area}"))[0]["text"])
    await rt.send(f"/start rt-{code}")
    bot.telegram.api.chat_admins[group["id"]] = {user_id}
    await bot_joins(bot, group, rt.user)
    await say_in_group(bot, rt.user, "/hubungkan", group)
    return rt


@contextmanager
def at_prompt(
    *args: str, prompt: bytes, stdin: int, env: dict[str, str], cwd: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """``sensus-bot ARGS`` as a process, once it waits at ``prompt`` (its stdout so far read);
    killed at the end if it still runs."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=clean_env() | env,
        cwd=cwd,
    )
    assert process.stdout is not None
    try:
        shown = b""
        while not shown.endswith(prompt):
            ready, _, _ = select.select([process.stdout], [], [], 60)
            assert ready, f"no {prompt!r} after {shown!r}"
            chunk = os.read(process.stdout.fileno(), 4096)
            assert chunk, f"ended before {prompt!r}: {shown!r}"
            shown += chunk
        yield process
    finally:
        process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                stream.close()
