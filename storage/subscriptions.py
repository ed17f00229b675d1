"""Reminder subscriptions per person and group."""

from storage.outbox import cancel_pending
from storage.queries import SqlAccess


class SubscriptionStore(SqlAccess):
    """Reminder subscriptions per person and group (part of Repository)."""

    async def subscriptions(self, user_id: int) -> set[str]:
        """The reminder groups the user subscribed to."""
        rows = await self._all("SELECT grp FROM subscriptions WHERE user_id = ?", (user_id,))
        return {row[0] for row in rows}

    async def subscribe(self, user_id: int, group: str) -> None:
        """Subscribe to a reminder group (and undo an earlier opt-out)."""
        async with self._transaction() as db:
            await db.write("UPDATE users SET opted_out = 0 WHERE user_id = ?", (user_id,))
            await db.write(
                "INSERT INTO subscriptions (user_id, grp) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (user_id, group),
            )

    async def unsubscribe(self, user_id: int, group: str, contents: list[str]) -> None:
        """Leave a reminder group and cancel its pending reminders (their content refs)."""
        async with self._transaction() as db:
            await db.write(
                "DELETE FROM subscriptions WHERE user_id = ? AND grp = ?", (user_id, group)
            )
            await cancel_pending(db, "user_id = ?", [user_id], contents)

    async def count_subscribers(self) -> int:
        """People who get reminders (subscribed, not opted out, not blocked)."""
        row = await self._one(
            "SELECT COUNT(DISTINCT s.user_id) FROM subscriptions s JOIN users u USING (user_id)"
            " WHERE u.opted_out = 0 AND u.blocked = 0"
        )
        return int(row[0]) if row else 0
