"""Staff broadcasts: drafts, texts per language, queueing to an audience, steering."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.audience import Audience
from bot.domain.broadcasts import phase_of, steered_status
from storage.audiences import people_condition
from storage.outbox import REQUEUE_WITHDRAWN
from storage.queries import SqlAccess


@dataclass(frozen=True)
class Broadcast:
    """A staff broadcast: texts per language, audience, and figures by outbox status."""

    id: int
    author: str
    audience: str
    status: str
    not_before: float
    texts: dict[str, str]
    figures: dict[str, int]

    def text(self, lang: str) -> str:
        """The text in a language, falling back to Indonesian."""
        return text_in(self.texts, lang)

    @property
    def phase(self) -> str:
        """draft, queued, paused, cancelled or finished (bot.domain.broadcasts)."""
        return phase_of(self.status, self.figures)


@dataclass(frozen=True)
class Steered:
    """What pause, resume or cancel did: whether it applied, and the broadcast's phase now."""

    applied: bool
    phase: str


# Per action: the outbox statuses it takes (an SQL list) and the status they get.
STEERED_ROWS = {
    "pause": ("'pending'", "paused"),
    "resume": ("'paused'", "pending"),
    "cancel": ("'pending', 'paused'", "cancelled"),
}


def text_in(texts: Mapping[str, str], lang: str) -> str:
    """A broadcast text in a language, falling back to Indonesian (always written)."""
    return texts.get(lang) or texts["id"]


class BroadcastStore(SqlAccess):
    """Staff broadcasts (part of Repository)."""

    async def create_broadcast(
        self, author: str, texts: Mapping[str, str], audience: str, not_before: float, now: datetime
    ) -> int:
        """Store a draft broadcast with its texts per language."""
        async with self._transaction() as db:
            created = await db.one(
                "INSERT INTO broadcasts (author, created_at, audience, not_before)"
                " VALUES (?, ?, ?, ?) RETURNING id",
                (author, now.isoformat(), audience, not_before),
            )
            broadcast_id = int(created[0]) if created else 0
            await db.write_many(
                "INSERT INTO broadcast_texts (broadcast_id, lang, text) VALUES (?, ?, ?)",
                [(broadcast_id, lang, text) for lang, text in texts.items()],
            )
            return broadcast_id

    async def set_broadcast_audience(self, broadcast_id: int, audience: str) -> None:
        """Choose the audience of a draft."""
        await self._write(
            "UPDATE broadcasts SET audience = ? WHERE id = ? AND status = 'draft'",
            (audience, broadcast_id),
        )

    async def set_broadcast_text(self, broadcast_id: int, lang: str, text: str) -> bool:
        """Add or replace a draft's text in one language; False if it is no longer a draft."""
        async with self._transaction() as db:
            rows = await db.all(
                "SELECT 1 FROM broadcasts WHERE id = ? AND status = 'draft'"
                f"{self._engine.for_update}",
                (broadcast_id,),
            )
            if not list(rows):
                return False
            await db.write(
                "INSERT INTO broadcast_texts (broadcast_id, lang, text) VALUES (?, ?, ?)"
                " ON CONFLICT (broadcast_id, lang) DO UPDATE SET text = excluded.text",
                (broadcast_id, lang, text),
            )
            return True

    async def set_broadcast_time(self, broadcast_id: int, not_before: float) -> None:
        """Set when a draft may start sending."""
        await self._write(
            "UPDATE broadcasts SET not_before = ? WHERE id = ? AND status = 'draft'",
            (not_before, broadcast_id),
        )

    async def broadcasts_for_rt(self, limit: int = 5) -> list[Broadcast]:
        """The latest staff broadcasts meant for RT heads or their groups, newest first."""
        rows = await self._all(
            "SELECT id FROM broadcasts WHERE audience IN ('rt-heads', 'rt-groups')"
            " AND status NOT IN ('draft', 'cancelled') ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return await self._broadcasts(rows)

    async def _broadcasts(self, id_rows: Iterable[Any]) -> list[Broadcast]:
        found = [await self.broadcast(int(r[0])) for r in id_rows]
        return [b for b in found if b is not None]

    async def broadcast_texts(self, broadcast_id: int) -> dict[str, str]:
        """A broadcast's texts by language (empty if there is no such broadcast)."""
        rows = await self._all(
            "SELECT lang, text FROM broadcast_texts WHERE broadcast_id = ?", (broadcast_id,)
        )
        return {row[0]: row[1] for row in rows}

    async def broadcast(self, broadcast_id: int) -> Broadcast | None:
        """A broadcast with its texts and its figures from the outbox."""
        row = await self._one("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        if row is None:
            return None
        figures = await self._all(
            "SELECT status, COUNT(*) FROM outbox WHERE cause = 'broadcast' AND dedupe_key = ?"
            " GROUP BY status",
            (f"broadcast:{broadcast_id}",),
        )
        return Broadcast(
            id=row["id"],
            author=row["author"],
            audience=row["audience"],
            status=row["status"],
            not_before=row["not_before"],
            texts=await self.broadcast_texts(broadcast_id),
            figures={f[0]: int(f[1]) for f in figures},
        )

    async def recent_broadcasts(self, limit: int = 10) -> list[Broadcast]:
        """The latest broadcasts, newest first."""
        rows = await self._all("SELECT id FROM broadcasts ORDER BY id DESC LIMIT ?", (limit,))
        return await self._broadcasts(rows)

    async def count_audience(self, audience: Audience) -> int:
        """How many people (or linked groups) a broadcast to ``audience`` would reach now."""
        if audience.groups:
            row = await self._one(
                "SELECT COUNT(*) FROM groups WHERE rt_user_id IS NOT NULL AND status != 'left'"
            )
        else:
            condition, params = people_condition(audience)
            row = await self._one(
                "SELECT COUNT(*) FROM users u WHERE u.opted_out = 0 AND u.blocked = 0"
                f" AND ({condition})",
                params,
            )
        return int(row[0]) if row else 0

    async def queue_broadcast(self, broadcast_id: int, audience: Audience) -> int:
        """Queue a draft for ``audience`` (set-based, once per recipient, no opted-out or
        blocked people); return the count."""
        key = f"broadcast:{broadcast_id}"
        async with self._transaction() as db:
            rows = await db.all(
                "UPDATE broadcasts SET status = 'queued' WHERE id = ? AND status = 'draft'"
                " RETURNING not_before",
                (broadcast_id,),
            )
            found = list(rows)
            if not found:
                return 0
            not_before = found[0][0]
            if audience.groups:
                queued = await db.write(
                    "INSERT INTO outbox (chat_id, cause, dedupe_key, content, not_before)"
                    " SELECT chat_id, 'broadcast', ?, ?, ? FROM groups"
                    f" WHERE rt_user_id IS NOT NULL AND status != 'left' {REQUEUE_WITHDRAWN}",
                    (key, key, not_before),
                )
            else:
                condition, params = people_condition(audience)
                queued = await db.write(
                    "INSERT INTO outbox"
                    " (chat_id, user_id, cause, dedupe_key, content, not_before)"
                    " SELECT u.user_id, u.user_id, 'broadcast', ?, ?, ? FROM users u"
                    f" WHERE u.opted_out = 0 AND u.blocked = 0 AND ({condition})"
                    f" {REQUEUE_WITHDRAWN}",
                    [key, key, not_before, *params],
                )
            return queued

    async def steer_broadcast(self, broadcast_id: int, action: str) -> "Steered | None":
        """Pause, resume or cancel what of a broadcast is not sent yet, if its phase allows
        (bot.domain.broadcasts); None if there is no such broadcast."""
        key = f"broadcast:{broadcast_id}"
        async with self._transaction() as db:
            rows = await db.all(
                f"SELECT status FROM broadcasts WHERE id = ?{self._engine.for_update}",
                (broadcast_id,),
            )
            if not rows:
                return None
            figures = await db.all(
                "SELECT status, COUNT(*) FROM outbox WHERE dedupe_key = ? GROUP BY status", (key,)
            )
            phase = phase_of(rows[0][0], {f[0]: int(f[1]) for f in figures})
            status = steered_status(phase, action)
            if status is None:
                return Steered(False, phase)
            before, after = STEERED_ROWS[action]
            await db.write("UPDATE broadcasts SET status = ? WHERE id = ?", (status, broadcast_id))
            await db.write(
                f"UPDATE outbox SET status = ? WHERE dedupe_key = ? AND status IN ({before})",
                (after, key),
            )
            return Steered(True, status)
