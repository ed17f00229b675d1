"""Coordination between the processes on one database: each chat's turn (one update of a chat
at a time) and the leadership of the sender. SQLite has one process per database
(storage/instance.py), so both are in-process there; PostgreSQL workers use advisory locks,
namespaced by ``current_schema()`` (several bots, or tests, may share one database)."""

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
from psycopg_pool import AsyncConnectionPool

log = logging.getLogger(__name__)

LEADER_CHECK = 1.0  # seconds: how often the leader's connection is checked, at most
CHAT_LOCK = "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '/chat'), hashtext(?))"
LEADER_KEY = "hashtext(current_schema() || '/sensus-sender')"
LEADER_LOCK = f"SELECT pg_try_advisory_lock({LEADER_KEY})"
# Whether any session holds that lock: pg_locks shows a bigint key as its two 32-bit halves.
LEADER_HELD = (
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND objsubid = 1 AND database = (SELECT oid FROM pg_database"
    " WHERE datname = current_database())"
    f" AND ((classid::bigint << 32) | objid::bigint) = {LEADER_KEY}::bigint)"
)


class ChatTurns:
    """One update of a chat at a time in this process; waiting updates go in arrival order."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}

    @asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[None]:
        """Hold the chat's turn while the block runs."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:  # nobody else queued for this chat: forget it
                del self._waiting[key]
                del self._locks[key]


class AdvisoryChatTurns(ChatTurns):
    """The chat's turn across workers: after this process's own turn (so a worker never
    spends two connections on one chat), a transaction-scoped advisory lock on a connection
    of a small pool of its own, held while the update runs. The lock ends with the
    transaction, or with the connection when the worker dies."""

    def __init__(self, url: str, connections: int) -> None:
        """``connections``: updates of different chats processed at once by this worker."""
        super().__init__()
        self._pool: AsyncConnectionPool[psycopg.AsyncConnection[tuple[object, ...]]] = (
            AsyncConnectionPool(
                url,
                min_size=1,
                max_size=connections,
                kwargs={"application_name": f"sensus-bot {os.getpid()} chat turns"},
                open=False,
            )
        )
        self._slots = asyncio.Semaphore(connections)  # never wait on the pool's timeout

    async def open(self) -> None:
        """Open the pool."""
        await self._pool.open(wait=True, timeout=30)

    async def close(self) -> None:
        """Close the pool."""
        await self._pool.close()

    @asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[None]:
        """Hold the chat's turn in this process and across workers while the block runs."""
        async with super().turn(key), self._slots, self._pool.connection() as db:
            # The pool's connection block is one transaction: its end releases the lock.
            await db.execute(CHAT_LOCK.replace("?", "%s"), (key,))
            yield


class Leadership:
    """The right to send on the bot's own initiative. On SQLite one process serves the
    database, so it always holds it."""

    async def acquire(self) -> bool:
        """Try to become the leader; whether this process leads now."""
        return True

    async def lost(self) -> None:
        """Return once leadership is lost (never, on SQLite)."""
        await asyncio.Event().wait()

    async def release(self) -> None:
        """Give leadership up (another process may take it)."""


class AdvisoryLeadership(Leadership):
    """Leadership as a session advisory lock held on a connection of its own: the server
    releases it when that connection ends, whatever ends it (a stop, kill -9, a lost network),
    and another worker's next try takes it over."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._db: psycopg.AsyncConnection[tuple[object, ...]] | None = None

    async def acquire(self) -> bool:
        """One try at the lock (non-blocking); connects first if needed."""
        if self._db is None or self._db.closed:
            self._db = await psycopg.AsyncConnection.connect(
                self._url,
                autocommit=True,
                connect_timeout=10,
                application_name=f"sensus-bot {os.getpid()} sender",
                # A network that goes silent is noticed within seconds, not hours.
                keepalives=1,
                keepalives_idle=2,
                keepalives_interval=1,
                keepalives_count=2,
            )
        try:
            cursor = await self._db.execute(LEADER_LOCK)
            row = await cursor.fetchone()
        except psycopg.Error:
            await self.release()
            raise
        return bool(row and row[0])

    async def lost(self) -> None:
        """Return as soon as the lock's connection fails: waiting for notifications ends at
        once when the server closes it, and a query every LEADER_CHECK seconds notices a
        connection that went silent."""
        db = self._db
        if db is None:
            return
        try:
            while True:
                async with asyncio.timeout(LEADER_CHECK * 2):
                    await db.execute("SELECT 1")
                async for _ in db.notifies(timeout=LEADER_CHECK):
                    pass
        except (psycopg.Error, TimeoutError) as error:
            log.warning("the sender's lock connection failed: %s", type(error).__name__)
        await self.release()

    async def release(self) -> None:
        """Close the lock's connection: the server releases the lock with it."""
        db, self._db = self._db, None
        if db is not None:
            with contextlib.suppress(psycopg.Error):
                await db.close()
