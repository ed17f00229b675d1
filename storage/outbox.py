"""The durable outbox: queueing, claiming, outcomes, and reminder planning."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from storage.engine import Sql
from storage.queries import SqlAccess

# Every insert into the outbox ends with this: a message a recipient already has is not
# added twice, but one withdrawn before it was sent (cancelled by an opt-out or a switched-off
# reminder, held back while the person blocked the bot) is queued again with its new time.
# A sent (or failed, or dropped) message is never queued again.
REQUEUE_WITHDRAWN = (
    "ON CONFLICT (chat_id, dedupe_key) DO UPDATE SET status = 'pending',"
    " content = excluded.content, not_before = excluded.not_before,"
    " expires_at = excluded.expires_at, attempts = 0, last_error = NULL"
    " WHERE outbox.status IN ('cancelled', 'blocked')"
)


@dataclass(frozen=True)
class OutboxRow:
    """A message the sender has claimed."""

    id: int
    chat_id: int
    user_id: int | None
    cause: str
    content: str
    attempts: int


class OutboxStore(SqlAccess):
    """The durable outbox (part of Repository)."""

    async def plan(
        self,
        key: str,
        content: str,
        group: str,
        not_before_by_zone: Mapping[str | None, float],
        expires_at: float,
        user_id: int | None = None,
    ) -> int:
        """Queue one reminder occurrence for every subscriber of ``group`` (set-based).

        ``not_before_by_zone`` gives the send time per user zone (None: users without a
        zone); a zone missing from it is not planned (too late or no longer relevant).
        Subscribers who opted out or blocked the bot are left out; an occurrence a user
        already has is never added twice, one withdrawn before sending is queued again.
        """
        planned = 0
        async with self._transaction() as db:
            for zone, not_before in not_before_by_zone.items():
                zone_test = "u.zone IS NULL" if zone is None else "u.zone = ?"
                params: list[Any] = [key, content, not_before, expires_at, group]
                params += [] if zone is None else [zone]
                only_user = ""
                if user_id is not None:
                    only_user = " AND u.user_id = ?"
                    params.append(user_id)
                changed = await db.write(
                    "INSERT INTO outbox"
                    " (chat_id, user_id, cause, dedupe_key, content, not_before, expires_at)"
                    " SELECT u.user_id, u.user_id, 'reminder', ?, ?, ?, ? FROM users u"
                    " JOIN subscriptions s ON s.user_id = u.user_id AND s.grp = ?"
                    f" WHERE u.opted_out = 0 AND u.blocked = 0 AND {zone_test}{only_user}"
                    f" {REQUEUE_WITHDRAWN}",
                    params,
                )
                planned += changed
        return planned

    async def cancel_reminders_except(self, keys: set[str], user_id: int | None = None) -> int:
        """Cancel pending reminders whose occurrence is not in ``keys`` (a revised calendar)."""
        marks = ",".join("?" * len(keys)) or "''"
        where = f"cause = 'reminder' AND dedupe_key NOT IN ({marks})"
        params: list[Any] = list(keys)
        if user_id is not None:
            where += " AND user_id = ?"
            params.append(user_id)
        async with self._transaction() as db:
            return await cancel_pending(db, where, params, None)

    async def forget_pending_reminders(self, user_id: int) -> None:
        """Remove a user's unsent reminders, to plan them again (new zone or groups)."""
        await self._write(
            "DELETE FROM outbox WHERE user_id = ? AND cause = 'reminder' AND status = 'pending'",
            (user_id,),
        )

    async def enqueue(
        self,
        chat_id: int,
        user_id: int | None,
        cause: str,
        key: str,
        content: str,
        not_before: float,
        expires_at: float | None = None,
    ) -> bool:
        """Queue one message; False when that recipient already has this key."""
        cursor_count = await self._write(
            "INSERT INTO outbox"
            " (chat_id, user_id, cause, dedupe_key, content, not_before, expires_at)"
            f" VALUES (?, ?, ?, ?, ?, ?, ?) {REQUEUE_WITHDRAWN}",
            (chat_id, user_id, cause, key, content, not_before, expires_at),
        )
        return cursor_count > 0

    async def enqueue_to_subscribers(
        self, cause: str, key: str, content: str, not_before: float
    ) -> int:
        """Queue one message to everyone subscribed to some reminder (set-based; no opted-out
        or blocked people); the number queued."""
        return await self._write(
            "INSERT INTO outbox"
            " (chat_id, user_id, cause, dedupe_key, content, not_before)"
            " SELECT u.user_id, u.user_id, ?, ?, ?, ? FROM users u WHERE u.opted_out = 0"
            " AND u.blocked = 0"
            " AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = u.user_id)"
            f" {REQUEUE_WITHDRAWN}",
            [cause, key, content, not_before],
        )

    async def requeue_in_flight(self) -> int:
        """At start-up: messages claimed but not confirmed go back to the queue."""
        return await self._write("UPDATE outbox SET status = 'pending' WHERE status = 'sending'")

    async def release(self, row_ids: list[int]) -> None:
        """Claimed messages that were not sent go back to the queue."""
        await self._write_many(
            "UPDATE outbox SET status = 'pending' WHERE id = ? AND status = 'sending'",
            [(row_id,) for row_id in row_ids],
        )

    async def claim_due(self, now: float, limit: int) -> list[OutboxRow]:
        """Drop expired messages, then claim up to ``limit`` due ones for sending."""
        async with self._transaction() as db:
            await db.write(
                "UPDATE outbox SET status = 'dropped' WHERE id IN (SELECT id FROM outbox"
                " WHERE status = 'pending' AND expires_at IS NOT NULL AND expires_at <= ?"
                f"{self._engine.skip_locked})",
                (now,),
            )
            rows = await db.all(
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id IN"
                " (SELECT id FROM outbox WHERE status = 'pending' AND not_before <= ?"
                f"  ORDER BY not_before, id LIMIT ?{self._engine.skip_locked})"
                " RETURNING id, chat_id, user_id, cause, content, attempts",
                (now, limit),
            )
        return sorted((OutboxRow(*row) for row in rows), key=lambda r: r.id)

    async def next_due(self) -> float | None:
        """When the earliest pending message is due."""
        row = await self._one("SELECT MIN(not_before) FROM outbox WHERE status = 'pending'")
        return float(row[0]) if row and row[0] is not None else None

    async def mark_sent(self, row_ids: list[int], now: float) -> None:
        """Record messages Telegram accepted."""
        await self._write_many(
            "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ?",
            [(now, row_id) for row_id in row_ids],
        )

    async def mark_failed(self, row_id: int, error: str, status: str = "failed") -> None:
        """Record a message that will not be sent (failed, blocked, dropped)."""
        await self._write(
            "UPDATE outbox SET status = ?, last_error = ? WHERE id = ?", (status, error, row_id)
        )

    async def retry_later(
        self, row_id: int, not_before: float, error: str | None, count: bool = True
    ) -> None:
        """Put a claimed message back in the queue; ``count=False``: not a failed attempt."""
        await self._write(
            "UPDATE outbox SET status = 'pending', not_before = ?, last_error = ?,"
            " attempts = attempts - ? WHERE id = ?",
            (not_before, error, 0 if count else 1, row_id),
        )

    async def scrub_errors(self, secret: str) -> int:
        """Remove ``secret`` (the bot token) from stored error texts, such as an older version
        kept; return how many rows changed."""
        changed = await self._write(
            "UPDATE outbox SET last_error = replace(last_error, ?, '[token]')"
            " WHERE replace(last_error, ?, '[token]') <> last_error",
            (secret, secret),
        )
        if changed:  # the old texts leave every copy the engine keeps (SQLite's -wal)
            await self._engine.after_scrub()
        return changed

    async def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its new id everywhere, for unsent messages too."""
        async with self._transaction() as db:
            # A message the new chat already has (same key) stays with the old id, as does a
            # group registered under the new id already.
            await db.write(
                "UPDATE outbox SET chat_id = ? WHERE chat_id = ?"
                " AND status IN ('pending', 'sending') AND NOT EXISTS (SELECT 1 FROM outbox o"
                "  WHERE o.chat_id = ? AND o.dedupe_key = outbox.dedupe_key)",
                (new_chat_id, old_chat_id, new_chat_id),
            )
            await db.write(
                "UPDATE groups SET chat_id = ? WHERE chat_id = ?"
                " AND NOT EXISTS (SELECT 1 FROM groups g WHERE g.chat_id = ?)",
                (new_chat_id, old_chat_id, new_chat_id),
            )
            await db.write(
                "UPDATE helpdesk SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id)
            )

    async def outbox_pending(self, now: float) -> tuple[int, int]:
        """Messages not sent yet: how many are due at ``now``, how many are for later."""
        row = await self._one(
            "SELECT COUNT(*) FILTER (WHERE not_before <= ?), COUNT(*) FROM outbox"
            " WHERE status = 'pending'",
            (now,),
        )
        due, pending = (int(row[0]), int(row[1])) if row else (0, 0)
        return due, pending - due

    async def outbox_status(self, cause: str | None = None) -> dict[str, int]:
        """How many messages are in each status."""
        where, params = ("WHERE cause = ?", (cause,)) if cause else ("", ())
        rows = await self._all(
            f"SELECT status, COUNT(*) FROM outbox {where} GROUP BY status", params
        )
        return {row[0]: int(row[1]) for row in rows}


async def cancel_pending(
    db: Sql,
    where: str,
    params: list[Any],
    contents: list[str] | None,
    status: str = "cancelled",
) -> int:
    if contents is not None:
        if not contents:
            return 0
        where += f" AND content IN ({','.join('?' * len(contents))})"
        params = [*params, *contents]
    changed = await db.write(
        f"UPDATE outbox SET status = ? WHERE status = 'pending' AND {where}", [status, *params]
    )
    return changed
