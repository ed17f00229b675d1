"""Each person's place in the step-by-step guide."""

from dataclasses import dataclass
from datetime import datetime

from storage.queries import SqlAccess


@dataclass(frozen=True)
class GuideProgress:
    """A user's place in the guide."""

    step: str
    awaiting_check: str | None
    updated_at: datetime


class GuideStore(SqlAccess):
    """Each person's place in the step-by-step guide (part of Repository)."""

    async def guide_progress(self, user_id: int) -> GuideProgress | None:
        """Where the user is in the guide, if they started it."""
        row = await self._quick_one("SELECT * FROM guide_progress WHERE user_id = ?", (user_id,))
        if row is None:
            return None
        return GuideProgress(
            row["step"], row["awaiting_check"], datetime.fromisoformat(row["updated_at"])
        )

    async def save_guide_step(self, user_id: int, step: str, now: datetime) -> None:
        """Record the step the user is on (and forget any pending number check)."""
        async with self._transaction() as db:
            await db.write(
                "INSERT INTO guide_progress (user_id, step, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET step = excluded.step,"
                " awaiting_check = NULL, updated_at = excluded.updated_at",
                (user_id, step, now.isoformat()),
            )
            await db.write(  # the funnel in /statistik
                "INSERT INTO guide_reached (user_id, step, reached_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (user_id, step, now.timestamp()),
            )

    async def set_awaiting_check(self, user_id: int, kind: str | None) -> None:
        """Remember that the next number the user types is a NIK or KK to check (or not)."""
        await self._write(
            "UPDATE guide_progress SET awaiting_check = ? WHERE user_id = ?", (kind, user_id)
        )

    async def finish_guide(self, user_id: int) -> None:
        """Forget the user's place in the guide."""
        await self._write("DELETE FROM guide_progress WHERE user_id = ?", (user_id,))
