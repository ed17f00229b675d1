"""``sensus-bot shell``: chat with the bot in a terminal, with no Telegram and no network."""

import asyncio
import itertools
import json
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.request import BaseRequest, RequestData

from bot.app import build_application, running
from bot.config import Settings
from bot.domain.clock import Clock
from bot.local_api import (
    BotApiError,
    LocalBotApi,
    decode_parameters,
    keyboard_buttons,
    with_uploads,
)

QUIT = {"/quit", "/exit", "/keluar"}


class LocalRequest(BaseRequest):
    """A python-telegram-bot request that answers from a LocalBotApi instead of the network."""

    def __init__(self, api: LocalBotApi) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        """No network, so no timeout."""
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Hand the call to the local API and encode its answer like Telegram does."""
        api_method = url.rsplit("/", 1)[-1]
        try:
            params = decode_parameters(request_data.json_parameters if request_data else {})
            if request_data is not None:
                files = {
                    name: (str(part[0]), bytes(part[1]))  # type: ignore[arg-type]
                    for name, part in request_data.multipart_data.items()
                }
                params = with_uploads(params, files)
            body: dict[str, Any] = {"ok": True, "result": self.api.call(api_method, params)}
            status = 200
        except BotApiError as error:
            body, status = error.payload(), error.code
        return status, json.dumps(body).encode("utf-8")


class Terminal:
    """Shows one private chat in a terminal and turns typed lines into updates."""

    def __init__(self, api: LocalBotApi, person: dict[str, Any], write: Callable[[str], None]):
        self.api = api
        self.person = person
        self.write = write
        self._shown: dict[int, tuple[str, Any]] = {}
        self._buttons: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self._calls_seen = 0

    def update_for(self, line: str) -> dict[str, Any] | None:
        """The update a typed line stands for: a button number, or a message."""
        if line.isdigit() and 1 <= int(line) <= len(self._buttons):
            message, button = self._buttons[int(line) - 1]
            if "callback_data" not in button:
                self.write(f"   (link: {button.get('url', '')})")
                return None
            return self.api.button_press(self.person, message, button["callback_data"])
        return self.api.incoming_message(self.person, line)

    def show_changes(self) -> None:
        """Print the bot's new and edited messages, its notices, and number the buttons."""
        for call in self.api.calls[self._calls_seen :]:
            if call.method == "answerCallbackQuery" and call.params.get("text"):
                self.write(f"   ({call.params['text']})")
            elif call.method == "deleteMessage":
                self.write("   (the bot deleted your message)")
        self._calls_seen = len(self.api.calls)
        current = self.api.chat_messages(self.person["id"])
        for message in current:
            if message["from"]["id"] == self.person["id"]:
                continue
            state = (message["text"], message.get("reply_markup"))
            if self._shown.get(message["message_id"]) == state:
                continue
            edited = message["message_id"] in self._shown
            self._shown[message["message_id"]] = state
            self.write(("bot (edited):" if edited else "bot:") + "\n" + _indent(message["text"]))
        with_buttons = [m for m in current if keyboard_buttons(m.get("reply_markup"))]
        buttons = []
        if with_buttons:
            latest = with_buttons[-1]
            buttons = [(latest, b) for b in keyboard_buttons(latest["reply_markup"])]
        if buttons != self._buttons:
            self._buttons = buttons
            for number, (_, button) in enumerate(buttons, 1):
                self.write(f"   [{number}] {button['text']}")


def _indent(text: str) -> str:
    return "\n".join(f"   {line}" for line in text.splitlines())


async def run_shell(
    settings: Settings,
    *,
    clock: Clock | None = None,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
    user_id: int = 1,
    first_name: str = "Warga",
    language_code: str = "id",
) -> None:
    """Chat with the bot until end of input or /quit."""
    api = LocalBotApi()
    application = build_application(settings, clock=clock, request=LocalRequest(api))
    person = {"id": user_id, "is_bot": False, "first_name": first_name}
    person["language_code"] = language_code
    terminal = Terminal(api, person, write)
    update_ids = itertools.count(1)
    async with running(application, poll=False):
        write("sensus-bot shell — type a message, a /command, or a button number; /quit ends.")
        while True:
            try:
                line = (await asyncio.to_thread(read, "> ")).strip()
            except EOFError:
                break
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
