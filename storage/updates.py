"""Each update processed at most once, each chat's updates one at a time, and the markers of
shared state that changed (part of Repository)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime

import aiosqlite

from storage.queries import SqlAccess

CALENDAR = "calendar"  # change marker: staff applied a calendar revision
REVIEWED_EXAMPLES = "reviewed_examples"  # change marker: staff decided in the inbox

BUMP_MARKER = (
    "INSERT INTO change_markers (name, version) VALUES (?, 1)"
    " ON CONFLICT (name) DO UPDATE SET version = change_markers.version + 1"
)


async def bump_marker(db: aiosqlite.Connection, name: str) -> None:
    """Mark ``name`` changed, inside the transaction that changed it."""
    await db.execute(BUMP_MARKER, (name,))


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


class UpdateStore(SqlAccess):
    """Updates processed, chats' turns and change markers (part of Repository)."""

    _turns: ChatTurns  # made by Database: on SQLite one process serves the database

    def chat_turn(self, key: str) -> AbstractAsyncContextManager[None]:
        """Hold the chat's turn (``chat:<id>``, ``user:<id>``) while the block runs."""
        return self._turns.turn(key)

    async def update_processed(self, update_id: int) -> bool:
        """Whether an update was processed to the end already."""
        row = await self._one("SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,))
        return row is not None

    async def record_update(self, update_id: int, now: datetime) -> None:
        """Remember that an update was processed to the end."""
        await self._write(
            "INSERT INTO processed_updates (update_id, processed_at) VALUES (?, ?)"
            " ON CONFLICT (update_id) DO NOTHING",
            (update_id, now.astimezone(UTC).isoformat()),
        )

    async def change_markers(self) -> dict[str, int]:
        """The version of each marker (one small read: polled every few seconds)."""
        rows = await self._all("SELECT name, version FROM change_markers")
        return {str(r[0]): int(r[1]) for r in rows}
