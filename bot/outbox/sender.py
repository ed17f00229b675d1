"""The one sender: claims due outbox rows, paces them under Telegram's limits, sends them.

Every message the bot sends on its own initiative goes through here. Claimed rows are
"sending" in the database until their result is recorded (failures at once, successes in
small batches); queued, in-flight and unrecorded rows together never exceed ``batch``,
and claimed rows go back to the queue at start-up, so a crash can resend at most
``batch`` messages.

The database can fail for a while (locked by another process, disk full): the sender
logs it, backs off and carries on when it answers again; nothing is lost on the way.
"""

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
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
from storage import DatabaseError, Repository
from storage.repository import OutboxRow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
IDLE_WAIT = 1.0  # seconds between looks at the queue when nothing is due
MAX_IN_FLIGHT = 64  # requests at once, at most (high rates over slow links)
RETRY_FIRST, RETRY_MAX = 0.5, 30.0  # seconds between tries while the database fails
STOP_TIMEOUT = 5.0  # seconds stop() may take (the process must exit within 10 s)
Renderer = Callable[[OutboxRow], Awaitable[str | None]]


class Sender:
    """Sends outbox rows; ``render`` turns a row's content reference into its text at send
    time (None: nothing to send any more)."""

    def __init__(
        self,
        bot: Bot,
        repo: Repository,
        now: Callable[[], float],
        rate: float,
        render: Renderer,
        paid_broadcast: bool = False,
        batch: int = 20,
    ) -> None:
        self.bot = bot
        self.repo = repo
        self.now = now  # wall clock (the bot's Clock), decides what is due
        self.pacer = Pacer(rate)  # monotonic clock, decides when to send
        self.rate = rate
        self.paid_broadcast = paid_broadcast
        self.batch = batch  # claimed at a time: bounds what a crash can send twice
        self.render = render
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._queue: deque[OutboxRow] = deque()  # claimed, waiting for their slot
        self._in_flight: set[asyncio.Task[None]] = set()
        self._sending = 0  # requests under way (the task set is pruned only after they end)
        self._request_done = asyncio.Event()
        self._latencies: deque[float] = deque([0.05], maxlen=50)  # seconds per send, recent
        self._sent: list[int] = []  # accepted by Telegram, not yet recorded
        self._unrecorded: list[int] = []  # not sent, outcome not written: back to the queue
        self._failing = False  # the database failed on the last try

    async def start(self) -> None:
        """Requeue what a previous run left claimed, then start sending."""
        requeued = await self.repo.requeue_in_flight()
        if requeued:
            log.warning("requeued %d messages claimed by a previous run", requeued)
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self) -> None:
        """Finish the sends in flight, record them, leave the rest queued (within
        STOP_TIMEOUT: past it, what is claimed goes back to the queue at the next start)."""
        self._stopping = True
        self._wake.set()
        self._request_done.set()
        if self._task is not None:
            done, _ = await asyncio.wait([self._task], timeout=STOP_TIMEOUT)
            if not done:
                log.warning("outbox: the database did not answer in time; stopping anyway")
                self._task.cancel()
                await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def wake(self) -> None:
        """Something was queued for now: look at the queue at once."""
        self._wake.set()

    @property
    def leading(self) -> bool:
        """Whether this sender is the one that sends (one process per database for now)."""
        return True

    async def _run(self) -> None:
        failures = 0
        try:
            while not self._stopping:
                try:
                    await self._step()
                except Exception as error:  # the sender must never end on its own
                    failures += 1
                    self._failing = True
                    wait = min(RETRY_MAX, RETRY_FIRST * 2 ** (failures - 1))
                    if isinstance(error, DatabaseError):  # locked, disk full, I/O
                        log.warning("outbox: %s; sending paused, next try in %.1f s", error, wait)
                    else:
                        log.exception("outbox: unexpected error; next try in %.1f s", wait)
                    await self._pause(wait)
                else:
                    if failures:
                        log.warning("outbox: the database answers again; sending resumed")
                    failures, self._failing = 0, False
        finally:
            await asyncio.gather(*self._in_flight)
            await self._finish()

    async def _step(self) -> None:
        """Refill the queue when it runs low, then start one send (or wait for one)."""
        if self._unrecorded:
            await self.repo.release(self._unrecorded[:])
            self._unrecorded.clear()
        if len(self._queue) <= self.batch // 2:  # refill in chunks, not per message
            await self._record_sent()
            # Claimed and unconfirmed rows never exceed the batch: the crash bound.
            room = self.batch - len(self._queue) - self._sending - len(self._sent)
            if room > 0:
                self._queue.extend(await self.repo.claim_due(self.now(), room))
        row = self._next_ready()
        if row is None:
            await self._record_sent()
            await self._idle()
            return
        now = time.monotonic()
        at = self.pacer.take(row.chat_id, now)
        if at > now:
            await asyncio.sleep(at - now)
        await self._room_for_another()
        self._sending += 1
        task = asyncio.create_task(self._deliver(row))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def _finish(self) -> None:
        """Record what was sent and put back what was claimed, unless the database is failing:
        then the claimed rows go back to the queue at the next start."""
        if self._failing:
            log.warning(
                "outbox: stopping while the database fails; %d claimed messages are queued"
                " again at the next start",
                len(self._queue) + len(self._sent) + len(self._unrecorded),
            )
        else:
            try:
                await self._record_sent()
                await self.repo.requeue_in_flight()  # what was claimed but not sent
            except DatabaseError as error:
                log.warning(
                    "outbox: %s; claimed messages are queued again at the next start", error
                )
        self._queue.clear()

    async def _pause(self, seconds: float) -> None:
        """Wait ``seconds``, or less if the sender is told to stop."""
        self._wake.clear()
        if not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), seconds)

    def _next_ready(self) -> OutboxRow | None:
        """The first claimed row whose chat may get a message now (queue order per chat)."""
        now = time.monotonic()
        waiting: set[int] = set()
        for row in self._queue:
            if row.chat_id in waiting:
                continue
            if self.pacer.chat_ready_at(row.chat_id) <= now:
                self._queue.remove(row)
                return row
            waiting.add(row.chat_id)
        return None

    async def _idle(self) -> None:
        """Nothing can go now: wait for a chat to become ready, a wake-up, or the next due."""
        now = time.monotonic()
        if self._queue:
            wait = min(self.pacer.chat_ready_at(r.chat_id) for r in self._queue) - now
        else:
            self.pacer.forget_before(now)
            due = await self.repo.next_due()
            wait = IDLE_WAIT if due is None else min(IDLE_WAIT, max(0.0, due - self.now()))
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), max(0.0, wait))

    async def _record_sent(self) -> None:
        if self._sent:
            sent = self._sent[:]  # sends that end meanwhile are appended after these
            await self.repo.mark_sent(sent, self.now())
            del self._sent[: len(sent)]

    async def _room_for_another(self) -> None:
        """Keep about twice the requests in flight the rate needs at the observed latency:
        enough to ride over slow answers, few enough not to crowd the HTTP client.
        """
        while not self._stopping:
            # The round trip's floor, not its average: the average also counts time spent
            # queuing for this process's own CPU, and more requests would only add to it.
            floor = sorted(self._latencies)[len(self._latencies) // 10]
            limit = max(1, min(MAX_IN_FLIGHT, math.ceil(2 * self.rate * floor)))
            if self._sending < limit:
                return
            self._request_done.clear()
            await self._request_done.wait()

    async def _deliver(self, row: OutboxRow) -> None:
        started = time.monotonic()
        try:
            try:
                await self._send(row)
            except DatabaseError:
                raise
            except Exception as error:
                log.exception("unexpected error sending outbox row %d", row.id)
                await self._retry_or_fail(row, f"internal error: {type(error).__name__}")
        except DatabaseError as error:
            # Its outcome could not be written: it goes back to the queue (if it was sent,
            # it is in self._sent and is recorded as sent later).
            log.warning("outbox: %s; message %d goes back to the queue", error, row.id)
            self._unrecorded.append(row.id)
        finally:
            self._latencies.append(time.monotonic() - started)
            self._sending -= 1
            self._request_done.set()

    async def _send(self, row: OutboxRow) -> None:
        text = await self.render(row)
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
            await self.repo.retry_later(row.id, self.now(), "migrated", count=False)
        except Forbidden as error:
            await self.repo.mark_failed(row.id, error.message, status="blocked")
            if row.user_id is not None and row.chat_id > 0:
                await self.repo.set_blocked(row.user_id, True)
        except BadRequest as error:
            await self.repo.mark_failed(row.id, error.message)
        except (NetworkError, TelegramError) as error:  # 5xx, timeouts, connection errors
            await self._retry_or_fail(row, str(error))
        else:
            self._sent.append(row.id)

    async def _retry_or_fail(self, row: OutboxRow, error: str) -> None:
        """Back off exponentially (on the bot's clock); give up after MAX_ATTEMPTS."""
        if row.attempts >= MAX_ATTEMPTS:
            await self.repo.mark_failed(row.id, error)
        else:
            await self.repo.retry_later(row.id, self.now() + min(300.0, 2.0**row.attempts), error)


def _seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
