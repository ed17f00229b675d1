"""Calendar revisions staff stored and applied."""

from dataclasses import dataclass
from datetime import datetime

from storage.engine import Row
from storage.queries import SqlAccess
from storage.updates import CALENDAR, bump_marker


@dataclass(frozen=True)
class CalendarRevision:
    """A calendar stored by staff."""

    id: int
    source: str
    body: str
    created_by: str
    applied_at: datetime | None


class CalendarStore(SqlAccess):
    """Calendar revisions staff stored and applied (part of Repository)."""

    async def add_calendar_revision(
        self, source: str, body: str, created_by: str, now: datetime, applied: bool
    ) -> int:
        """Store a calendar (applied at once, or as a draft to confirm)."""
        async with self._transaction() as db:
            row = await db.one(
                "INSERT INTO calendar_revisions (created_at, created_by, source, body, applied_at)"
                " VALUES (?, ?, ?, ?, ?) RETURNING id",
                (now.isoformat(), created_by, source, body, now.isoformat() if applied else None),
            )
            if applied:
                await bump_marker(db, CALENDAR)
        return int(row[0]) if row else 0

    async def apply_calendar_revision(self, revision_id: int, now: datetime) -> None:
        """Put a stored draft in force."""
        async with self._transaction() as db:
            await db.write(
                "UPDATE calendar_revisions SET applied_at = ? WHERE id = ?",
                (now.isoformat(), revision_id),
            )
            await bump_marker(db, CALENDAR)

    async def calendar_revision(self, revision_id: int) -> CalendarRevision | None:
        """A stored calendar by id."""
        row = await self._one("SELECT * FROM calendar_revisions WHERE id = ?", (revision_id,))
        return _revision(row) if row else None

    async def active_calendar_revision(self) -> CalendarRevision | None:
        """The calendar in force, if staff applied one."""
        row = await self._one(
            "SELECT * FROM calendar_revisions WHERE applied_at IS NOT NULL"
            " ORDER BY applied_at DESC, id DESC LIMIT 1"
        )
        return _revision(row) if row else None


def _revision(row: Row) -> CalendarRevision:
    applied = row["applied_at"]
    return CalendarRevision(
        id=row["id"],
        source=row["source"],
        body=row["body"],
        created_by=row["created_by"],
        applied_at=datetime.fromisoformat(applied) if applied else None,
    )
