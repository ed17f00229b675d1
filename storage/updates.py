"""Each update processed at most once, each chat's updates one at a time, and the markers of
shared state that changed (part of Repository)."""

from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime

from storage.engine import Sql
from storage.queries import SqlAccess

CALENDAR = "calendar"  # change marker: staff applied a calendar revision
REVIEWED_EXAMPLES = "reviewed_examples"  # change marker: staff decided in the inbox

BUMP_MARKER = (
    "INSERT INTO change_markers (name, version) VALUES (?, 1)"
    " ON CONFLICT (name) DO UPDATE SET version = change_markers.version + 1"
)


async def bump_marker(db: Sql, name: str) -> None:
    """Mark ``name`` changed, inside the transaction that changed it."""
    await db.write(BUMP_MARKER, (name,))


class UpdateStore(SqlAccess):
    """Updates processed, chats' turns and change markers (part of Repository)."""

    def chat_turn(self, key: str) -> AbstractAsyncContextManager[None]:
        """Hold the chat's turn (``chat:<id>``, ``user:<id>``) while the block runs: in this
        process on SQLite, across workers on PostgreSQL (storage/coordination.py)."""
        return self._engine.chat_turn(key)

    async def update_processed(self, update_id: int) -> bool:
        """Whether an update was processed to the end already."""
        row = await self._quick_one(
            "SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,)
        )
        return row is not None

    async def record_update(self, update_id: int, now: datetime) -> None:
        """Remember that an update was processed to the end."""
        await self._quick_write(
            "INSERT INTO processed_updates (update_id, processed_at) VALUES (?, ?)"
            " ON CONFLICT (update_id) DO NOTHING",
            (update_id, now.astimezone(UTC).isoformat()),
        )

    async def change_markers(self) -> dict[str, int]:
        """The version of each marker (one small read: polled every few seconds)."""
        rows = await self._all("SELECT name, version FROM change_markers")
        return {str(r[0]): int(r[1]) for r in rows}
