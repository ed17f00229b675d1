"""A fake Telegram Bot API server on 127.0.0.1 that speaks the real HTTP protocol.

It serves ``/bot<token>/<method>`` with long-polling getUpdates (offsets, timeouts),
answers every other method from ``offline.local_api.LocalBotApi``, records all calls,
and injects faults into any method: the next calls of a method (``fail``: 429 with
retry_after, 403, 400 with migrate_to_chat_id, 5xx, a dropped connection), standing ones
(blocked people, migrated groups, a rate of 5xx answers), or slow answers.
"""

import asyncio
import contextlib
import json
import random
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from offline.local_api import (
    ApiCall,
    BotApiError,
    LocalBotApi,
    chat_id_of,
    decode_parameters,
    with_uploads,
)

TOKEN = "123456:TEST-token-for-the-fake-api"


@dataclass
class Limits:
    """Telegram's flood limits, enforced with 429 answers like the real servers."""

    per_second: float = 30.0  # messages to different chats, overall
    paid_per_second: float = 1000.0  # with allow_paid_broadcast
    private_gap: float = 1.0  # seconds between messages to one private chat
    group_per_minute: int = 20


DROP = 0  # a Fault status: close the connection without an answer


@dataclass
class Fault:
    """One injected failure of a method."""

    status: int
    description: str
    parameters: dict[str, Any] | None = None
    delay: float = 0.0


class FakeTelegram:
    """The fake server; start() returns the URL to use as TELEGRAM_API_URL."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.api = LocalBotApi()
        self.pending: list[dict[str, Any]] = []
        self.next_update_id = 1
        self.confirmed_offset = 0
        self.polls = 0
        self.faults: dict[str, deque[Fault]] = {}
        self.limits: Limits | None = None
        self.server_error_rate = 0.0  # share of calls (any method) answered 502
        self.blocked_chats: set[int] = set()  # people who blocked the bot: 403 on any call
        self.migrated_chats: dict[int, int] = {}  # old group id -> supergroup id: 400 on any call
        self.rejected: list[tuple[str, str]] = []  # calls the Bot API would refuse as invalid
        self._random = random.Random(2020)
        self.flood_hits = 0  # 429 answers given because a limit was exceeded
        self._recent: deque[float] = deque()
        self._last_private: dict[int, float] = {}
        self._group_recent: dict[int, deque[float]] = {}
        self._new_update = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    @property
    def calls(self) -> list[ApiCall]:
        """Every call the bot made, in order (getUpdates excluded)."""
        return self.api.calls

    async def start(self) -> str:
        """Listen on a free 127.0.0.1 port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)  # benchmarks post big batches
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        app.router.add_get("/_fake/stats", self._stats)
        app.router.add_post("/_fake/updates", self._offer)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        """Close the server."""
        if self._runner is not None:
            await self._runner.cleanup()

    # Driving the bot

    async def push(self, payload: dict[str, Any]) -> int:
        """Queue an update for getUpdates; return its update_id."""
        update = {"update_id": self.next_update_id, **payload}
        self.next_update_id += 1
        async with self._new_update:
            self.pending.append(update)
            self._new_update.notify_all()
        return int(update["update_id"])

    def fail(
        self,
        method: str,
        status: int,
        description: str,
        *,
        times: int = 1,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        delay: float = 0.0,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail like Telegram would."""
        parameters: dict[str, Any] = {}
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        queue = self.faults.setdefault(method, deque())
        queue.extend(Fault(status, description, parameters or None, delay) for _ in range(times))

    # The HTTP side

    async def _stats(self, request: web.Request) -> web.Response:
        """The 429 count, each sendMessage's chat and monotonic time (comparable across
        processes on one machine), for benchmarks that run the fake in another process."""
        start = int(request.query.get("from", 0))  # calls seen before: a client's last count
        sends = [[c.chat_id, c.at] for c in self.calls[start:] if c.method == "sendMessage"]
        return web.json_response(
            {"flood_hits": self.flood_hits, "sends": sends, "calls": len(self.calls)}
        )

    async def _offer(self, request: web.Request) -> web.Response:
        """Queue the posted list of updates (benchmarks in another process); answer when it
        was queued, on the monotonic clock of ``/_fake/stats``."""
        for payload in await request.json():
            await self.push(payload)
        return web.json_response({"offered_at": time.monotonic()})

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        form = await request.post()
        files = {
            key: (value.filename, value.file.read())
            for key, value in form.items()
            if isinstance(value, web.FileField)
        }
        raw = {key: str(value) for key, value in form.items() if key not in files}
        if not raw and request.can_read_body:
            raw = {
                k: v if isinstance(v, str) else json.dumps(v)
                for k, v in (await request.json()).items()
            }
        fault = self.faults.get(method)
        if fault:
            injected = fault.popleft()
            await asyncio.sleep(injected.delay)
            if injected.status == DROP and request.transport is not None:
                request.transport.close()  # the client sees the connection die mid-request
                return web.Response()
            body = BotApiError(injected.status, injected.description, injected.parameters).payload()
            return web.json_response(body, status=injected.status)
        try:
            params = with_uploads(decode_parameters(raw), files)
            refused = self._refusal(params)
            if refused is not None:
                return web.json_response(refused.payload(), status=refused.code)
            if method == "sendMessage" and self.limits and self._over_limit(params):
                self.flood_hits += 1
                flood = BotApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
                return web.json_response(flood.payload(), status=429)
            if method == "getUpdates" and self.api.webhook:
                raise BotApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active;"
                    " use deleteWebhook to delete the webhook first",
                )
            if method == "getUpdates":
                result: Any = await self._get_updates(params)
            else:
                result = self.api.call(method, params)
        except BotApiError as error:
            self.rejected.append((method, error.description))
            return web.json_response(error.payload(), status=error.code)
        return web.json_response({"ok": True, "result": result})

    def _refusal(self, params: dict[str, Any]) -> BotApiError | None:
        """The standing faults, for every method: a call to a person who blocked the bot or to
        a migrated group is refused, and any call may meet a random 5xx."""
        chat_id = chat_id_of(params)
        if chat_id in self.blocked_chats:
            return BotApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id is not None and chat_id in self.migrated_chats:
            return BotApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self.migrated_chats[chat_id]},
            )
        if self._random.random() < self.server_error_rate:
            return BotApiError(502, "Bad Gateway")
        return None

    def _over_limit(self, params: dict[str, Any]) -> bool:
        """Record a send and say whether it breaks a limit (a small tolerance, as Telegram)."""
        assert self.limits is not None
        now = time.monotonic()
        paid = str(params.get("allow_paid_broadcast", "")).lower() == "true"
        rate = self.limits.paid_per_second if paid else self.limits.per_second
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        chat_id = int(params.get("chat_id", 0))
        if len(self._recent) >= rate * 1.05 + 1:
            return True
        if chat_id > 0:
            last = self._last_private.get(chat_id)
            if last is not None and now - last < self.limits.private_gap * 0.9:
                return True
            self._last_private[chat_id] = now
        else:
            window = self._group_recent.setdefault(chat_id, deque())
            while window and window[0] <= now - 60.0:
                window.popleft()
            if len(window) >= self.limits.group_per_minute:
                return True
            window.append(now)
        self._recent.append(now)
        return False

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.polls += 1
        offset = int(params.get("offset", 0) or 0)
        limit = int(params.get("limit", 100) or 100)
        timeout = float(params.get("timeout", 0) or 0)
        async with self._new_update:
            if offset:
                # Telegram forgets every update below the offset: they are confirmed.
                self.confirmed_offset = max(self.confirmed_offset, offset)
                self.pending = [u for u in self.pending if u["update_id"] >= offset]
                self._new_update.notify_all()
            if not self.pending and timeout > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._new_update.wait(), timeout)
            return self.pending[:limit]


def serve_forever(limits: bool, faults: bool) -> None:
    """Run the fake alone (``python -m offline.fake_telegram``), e.g. for benchmarks.

    Prints its URL on the first line; see ``/_fake/stats`` for what it saw.
    """

    async def main() -> None:
        fake = FakeTelegram()
        if limits:
            fake.limits = Limits()
        if faults:  # 2% 5xx, every 100th person blocked, three groups migrated
            fake.server_error_rate = 0.02
            fake.blocked_chats = set(range(100_000, 200_000, 100))
            fake.migrated_chats = {-3000 - n: -1_003_000 - n for n in range(3)}
        print(await fake.start(), flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


if __name__ == "__main__":
    import sys

    serve_forever("--limits" in sys.argv, "--faults" in sys.argv)
