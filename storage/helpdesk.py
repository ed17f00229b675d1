"""Helpdesk tickets: the registered staff group, residents' questions, staff replies."""

from dataclasses import dataclass
from datetime import datetime

from storage.queries import SqlAccess


@dataclass(frozen=True)
class Ticket:
    """A resident's question for staff (masked), with what the helpdesk group may see."""

    id: int
    user_id: int
    question: str
    status: str  # open | answered
    created_at: float
    lang: str
    region: str | None


class HelpdeskStore(SqlAccess):
    """Tickets and the helpdesk group (part of Repository)."""

    async def set_helpdesk(self, chat_id: int, actor: int, now: datetime) -> None:
        """Make ``chat_id`` the helpdesk group (replacing any earlier one)."""
        await self._write(
            "INSERT INTO helpdesk (id, chat_id, registered_by, registered_at) VALUES (1, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET chat_id = excluded.chat_id,"
            " registered_by = excluded.registered_by, registered_at = excluded.registered_at",
            (chat_id, actor, now.isoformat()),
        )

    async def helpdesk_chat(self) -> int | None:
        """The registered helpdesk group, if any."""
        row = await self._one("SELECT chat_id FROM helpdesk WHERE id = 1")
        return int(row[0]) if row else None

    async def open_ticket(self, user_id: int, question: str, now: float) -> int | None:
        """A new open ticket; None when the resident already has one open."""
        async with self._transaction() as db:
            rows = await db.all(
                "INSERT INTO tickets (user_id, question, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING RETURNING id",
                (user_id, question, now),
            )
            found = list(rows)
        return int(found[0][0]) if found else None

    async def ticket(self, ticket_id: int) -> Ticket | None:
        """A ticket with its resident's language and regency."""
        rows = await self._tickets("t.id = ?", [ticket_id])
        return rows[0] if rows else None

    async def open_ticket_of(self, user_id: int) -> Ticket | None:
        """The resident's open ticket."""
        rows = await self._tickets("t.user_id = ? AND t.status = 'open'", [user_id])
        return rows[0] if rows else None

    async def open_tickets(self, limit: int = 30) -> list[Ticket]:
        """Open tickets, oldest first."""
        return await self._tickets("t.status = 'open'", [], limit)

    async def _tickets(self, where: str, params: list[object], limit: int = 1) -> list[Ticket]:
        rows = await self._all(
            "SELECT t.id, t.user_id, t.question, t.status, t.created_at, u.lang, u.region"
            f" FROM tickets t JOIN users u USING (user_id) WHERE {where}"
            " ORDER BY t.created_at, t.id LIMIT ?",
            [*params, limit],
        )
        return [Ticket(*row) for row in rows]

    async def add_ticket_reply(
        self, ticket_id: int, staff_id: int, text: str, now: float
    ) -> int | None:
        """Store a staff reply and mark the ticket answered; None if the ticket is gone."""
        async with self._transaction() as db:
            rows = list(
                await db.all(
                    "UPDATE tickets SET status = 'answered',"
                    " answered_at = COALESCE(answered_at, ?),"
                    " answered_by = COALESCE(answered_by, ?) WHERE id = ? RETURNING id",
                    (now, staff_id, ticket_id),
                )
            )
            if not rows:
                return None
            reply = await db.one(
                "INSERT INTO ticket_replies (ticket_id, staff_id, text, created_at)"
                " VALUES (?, ?, ?, ?) RETURNING id",
                (ticket_id, staff_id, text, now),
            )
            return int(reply[0]) if reply else 0

    async def ticket_reply(self, reply_id: int) -> tuple[int, str] | None:
        """A stored reply: (ticket id, HTML text)."""
        row = await self._one(
            "SELECT ticket_id, text FROM ticket_replies WHERE id = ?", (reply_id,)
        )
        return (int(row[0]), str(row[1])) if row else None
