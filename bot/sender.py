"""The one sender: claims due outbox rows, paces them under Telegram's limits, sends them.

Every message the bot sends on its own initiative goes through here. Rows are claimed in
small batches (status "sending"), each result is written back at once, and claimed rows
that were never confirmed go back to the queue at start-up: a crash can resend at most
the messages in flight, bounded by the batch size.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.domain.pacing import Pacer
from storage import Repository
from storage.repository import OutboxRow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
IDLE_WAIT = 1.0  # seconds between looks at the queue when nothing is due
Renderer = Callable[[OutboxRow], Awaitable[str | None]]


class Sender:
    """Sends outbox rows; ``renderers`` turn a row's content reference into text."""

    def __init__(
        self,
        bot: Bot,
        repo: Repository,
        now: Callable[[], float],
        rate: float,
        paid_broadcast: bool = False,
        batch: int = 20,
    ) -> None:
        self.bot = bot
        self.repo = repo
        self.now = now  # wall clock (the bot's Clock), decides what is due
        self.pacer = Pacer(rate)  # monotonic clock, decides when to send
        self.paid_broadcast = paid_broadcast
        self.batch = batch
        self.renderers: dict[str, Renderer] = {}
        self.on_migrated: list[Callable[[int, int], Awaitable[None]]] = []
        self.on_forbidden: list[Callable[[OutboxRow], Awaitable[None]]] = []
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._chat_tail: dict[int, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(batch)

    async def start(self) -> None:
        """Requeue what a previous run left claimed, then start sending."""
        requeued = await self.repo.requeue_in_flight()
        if requeued:
            log.warning("requeued %d messages claimed by a previous run", requeued)
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self) -> None:
        """Finish the sends in flight, record them, leave the rest queued."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    def wake(self) -> None:
        """Something was queued for now: look at the queue at once."""
        self._wake.set()

    async def _run(self) -> None:
        try:
            while not self._stopping:
                rows = await self.repo.claim_due(self.now(), self.batch)
                if not rows:
                    await self._idle()
                    continue
                for index, row in enumerate(rows):
                    if self._stopping:
                        for left in rows[index:]:
                            await self.repo.retry_later(left.id, self.now(), None, count=False)
                        break
                    await self._dispatch(row)
        finally:
            await asyncio.gather(*self._in_flight)
            await self.repo.requeue_in_flight()

    async def _idle(self) -> None:
        self.pacer.forget_before(time.monotonic())
        due = await self.repo.next_due()
        wait = IDLE_WAIT if due is None else min(IDLE_WAIT, max(0.0, due - self.now()))
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), wait)

    async def _dispatch(self, row: OutboxRow) -> None:
        """Hand the row to a delivery task (at most ``batch`` at a time)."""
        await self._slots.acquire()
        before = self._chat_tail.get(row.chat_id)
        task = asyncio.create_task(self._deliver(row, before))
        self._chat_tail[row.chat_id] = task
        self._in_flight.add(task)
        task.add_done_callback(lambda done: self._finished(row.chat_id, done))

    def _finished(self, chat_id: int, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        if self._chat_tail.get(chat_id) is task:
            del self._chat_tail[chat_id]

    async def _deliver(self, row: OutboxRow, before: asyncio.Task[None] | None) -> None:
        try:
            if before is not None:  # one chat's messages go out in queue order
                await asyncio.wait([before])
            await self._wait_for_slot(row.chat_id)
            await self._send(row)
        except Exception as error:
            log.exception("unexpected error sending outbox row %d", row.id)
            await self._retry_or_fail(row, f"internal error: {type(error).__name__}")
        finally:
            self._slots.release()

    async def _wait_for_slot(self, chat_id: int) -> None:
        """Wait until the chat may get a message, then book the next overall slot."""
        while True:
            now = time.monotonic()
            ready = self.pacer.chat_ready_at(chat_id)
            if ready <= now:  # check and book with no await between: one booking per gap
                at = self.pacer.take(chat_id, now)
                if at > now:
                    await asyncio.sleep(at - now)
                return
            await asyncio.sleep(ready - now)

    async def _send(self, row: OutboxRow) -> None:
        renderer = self.renderers.get(row.content.split(":", 1)[0])
        text = await renderer(row) if renderer else None
        if text is None:
            await self.repo.mark_failed(row.id, "nothing to send", status="dropped")
            return
        try:
            await self.bot.send_message(
                row.chat_id, text, allow_paid_broadcast=self.paid_broadcast or None
            )
        except RetryAfter as error:
            # The pacer holds every send for retry_after (real time); the row is due again.
            self.pacer.pause_until(time.monotonic() + _seconds(error))
            await self.repo.retry_later(row.id, self.now(), "429", count=False)
        except ChatMigrated as error:
            await self.repo.migrate_chat(row.chat_id, error.new_chat_id)
            for callback in self.on_migrated:
                await callback(row.chat_id, error.new_chat_id)
            await self.repo.retry_later(row.id, self.now(), "migrated", count=False)
        except Forbidden as error:
            await self.repo.mark_failed(row.id, error.message, status="blocked")
            if row.user_id is not None and row.chat_id > 0:
                await self.repo.set_blocked(row.user_id, True)
            for forbidden in self.on_forbidden:
                await forbidden(row)
        except BadRequest as error:
            await self.repo.mark_failed(row.id, error.message)
        except (NetworkError, TelegramError) as error:  # 5xx, timeouts, connection errors
            await self._retry_or_fail(row, str(error))
        else:
            await self.repo.mark_sent([row.id], self.now())

    async def _retry_or_fail(self, row: OutboxRow, error: str) -> None:
        """Back off exponentially (on the bot's clock); give up after MAX_ATTEMPTS."""
        if row.attempts >= MAX_ATTEMPTS:
            await self.repo.mark_failed(row.id, error)
        else:
            await self.repo.retry_later(row.id, self.now() + min(300.0, 2.0**row.attempts), error)


def _seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
