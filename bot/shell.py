"""``sensus-bot shell``: chat with the bot in a terminal, with no Telegram and no network."""

import asyncio
import codecs
import itertools
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

from telegram import Update

from bot.app import build_application, running
from bot.config import ConfigError, Settings
from bot.domain.clock import Clock
from offline.local_api import LocalBotApi, keyboard_buttons
from offline.request import LocalRequest

QUIT = {"/quit", "/exit", "/keluar"}
KEYS = """\
Type a message or a /command and press Enter. The bot's messages are numbered (#4) and
their buttons too ([1], [2], ...):
  3      press button 3 of the latest message with buttons
  4.2    press button 2 of message #4 (earlier buttons stay pressable)
  after a message marked "reply:", the next line you type is your reply to it
         (a /command instead leaves the prompt unanswered)
  /quit, /exit, /keluar, Ctrl-D or Ctrl-C end the shell"""
BUTTON = re.compile(r"(?:(\d+)\.)?(\d+)")  # "3", or "4.2": message 4, button 2


class Terminal:
    """Shows one private chat in a terminal and turns typed lines into updates."""

    def __init__(self, api: LocalBotApi, person: dict[str, Any], write: Callable[[str], None]):
        self.api = api
        self.person = person
        self.write = write
        self._shown: dict[int, tuple[str, Any]] = {}
        self._prompt: dict[str, Any] | None = None  # the last ForceReply message, unanswered
        self._calls_seen = 0

    def update_for(self, line: str) -> dict[str, Any] | None:
        """The update a typed line stands for: a reply to a prompt, a button press, or a
        message."""
        prompt, self._prompt = self._prompt, None
        if prompt is not None and not line.startswith("/"):
            return self.api.incoming_message(self.person, line, reply_to=prompt)
        found = self._button(line)
        if found is None:
            return self.api.incoming_message(self.person, line)
        message, button = found
        if "callback_data" not in button:
            self.write(f"   (link: {button.get('url', '')})")
            return None
        return self.api.button_press(self.person, message, button["callback_data"])

    def _button(self, line: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The message and button a line such as "3" or "4.2" names, if there is one."""
        press = BUTTON.fullmatch(line)
        if press is None:
            return None
        mine = [m for m in self.api.chat_messages(self.person["id"]) if self._is_bot(m)]
        if press[1] is None:
            with_buttons = [m for m in mine if keyboard_buttons(m.get("reply_markup"))]
            message = with_buttons[-1] if with_buttons else None
        else:
            message = next((m for m in mine if m["message_id"] == int(press[1])), None)
        buttons = keyboard_buttons(message.get("reply_markup")) if message else []
        if message is None or not 1 <= int(press[2]) <= len(buttons):
            return None
        return message, buttons[int(press[2]) - 1]

    def _is_bot(self, message: dict[str, Any]) -> bool:
        return bool(message["from"]["id"] != self.person["id"])

    def show_changes(self) -> None:
        """Print the bot's new and edited messages, its notices, and number the buttons."""
        for call in self.api.calls[self._calls_seen :]:
            if call.method == "answerCallbackQuery" and call.params.get("text"):
                self.write(f"   ({call.params['text']})")
            elif call.method == "deleteMessage":
                self.write("   (the bot deleted your message)")
            elif call.result and "force_reply" in (call.params.get("reply_markup") or {}):
                self._prompt = call.result
        self._calls_seen = len(self.api.calls)
        for message in filter(self._is_bot, self.api.chat_messages(self.person["id"])):
            state = (message["text"], message.get("reply_markup"))
            if self._shown.get(message["message_id"]) == state:
                continue
            edited = " (edited)" if message["message_id"] in self._shown else ""
            self._shown[message["message_id"]] = state
            self.write(f"bot #{message['message_id']}{edited}:\n" + _indent(message["text"]))
            for number, button in enumerate(keyboard_buttons(message.get("reply_markup")), 1):
                self.write(f"   [{number}] {button['text']}")
            if message is self._prompt:
                self.write("   reply: the next line you type answers this message")


def _indent(text: str) -> str:
    return "\n".join(f"   {line}" for line in text.splitlines())


def typed_lines() -> asyncio.Queue[str | None]:
    """Lines of stdin as they arrive, then None at its end. A daemon thread reads the file
    descriptor itself: a thread blocked in input() would hold up the exit after Ctrl-C (and
    hold the lock of sys.stdin, which aborts Python's shutdown)."""
    loop, lines = asyncio.get_running_loop(), asyncio.Queue[str | None]()

    def pump() -> None:
        try:
            for line in stdin_lines():
                loop.call_soon_threadsafe(lines.put_nowait, line)
            loop.call_soon_threadsafe(lines.put_nowait, None)
        except RuntimeError:  # the shell has ended and its event loop is closed
            pass

    threading.Thread(target=pump, name="shell-stdin", daemon=True).start()
    return lines


def stdin_lines() -> Iterator[str]:
    """The lines of stdin (UTF-8, bad bytes replaced), read without Python's stdin buffer."""
    decoder, pending = codecs.getincrementaldecoder("utf-8")("replace"), ""
    try:
        while chunk := os.read(sys.stdin.fileno(), 65536):
            *complete, pending = (pending + decoder.decode(chunk)).split("\n")
            yield from complete
    except OSError:  # the terminal went away: the same as end of input
        pass
    if pending:
        yield pending


async def run_shell(
    settings: Settings,
    *,
    clock: Clock | None = None,
    write: Callable[[str], None] = print,
    user_id: int = 1,
    first_name: str = "Warga",
    language_code: str = "id",
) -> None:
    """Chat with the bot until end of input, /quit or Ctrl-C."""
    api = LocalBotApi()
    if user_id == api.bot_user["id"]:
        raise ConfigError("--user-id", f"{user_id} is the shell's own bot; choose another id")
    application = build_application(settings, clock=clock, request=LocalRequest(api))
    person = {"id": user_id, "is_bot": False, "first_name": first_name}
    person["language_code"] = language_code
    terminal = Terminal(api, person, write)
    update_ids = itertools.count(1)
    async with running(application, poll=False):
        write("sensus-bot shell (offline)\n" + KEYS)
        lines = typed_lines()
        while True:
            sys.stdout.write("> ")
            sys.stdout.flush()
            typed = await lines.get()
            if typed is None:
                break
            line = typed.strip()
            if line in QUIT:
                break
            if not line:
                continue
            payload = terminal.update_for(line)
            if payload is None:
                continue
            payload["update_id"] = next(update_ids)
            await application.process_update(Update.de_json(payload, application.bot))
            terminal.show_changes()
